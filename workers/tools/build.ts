import { createRequire } from "node:module";
import { ensureWorkersInstalled } from "./install.ts";
import { existsSync, WORKERS_DIR } from "./paths.ts";

/** Where a worker's bundle is written (what wrangler.jsonc's `main` points at). */
export function bundlePath(name: string): string {
  return `${WORKERS_DIR}/${name}/dist/index.js`;
}

interface EsbuildPlugin {
  name: string;
  setup(build: {
    onResolve(
      options: { filter: RegExp },
      callback: (
        args: { path: string },
      ) => { path: string; external: boolean } | undefined,
    ): void;
  }): void;
}

interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ warnings: unknown[] }>;
  stop(): void | Promise<void>;
}

/**
 * Bundles `workers/<name>/src/index.ts` into one ES module for workerd with esbuild (from workers/
 * node_modules): `shared/sockets.ts` is mapped to the runtime's `cloudflare:sockets`, `cloudflare:*`
 * stays external, packages resolve with the `workerd` export condition.
 *
 * @example
 * ```ts
 * import { bundleWorker } from "./build.ts";
 * const file = await bundleWorker("monitor"); // workers/monitor/dist/index.js
 * // CLI: deno run -A workers/tools/build.ts monitor [outfile]
 * ```
 */
export async function bundleWorker(
  name: string,
  outfile = bundlePath(name),
): Promise<string> {
  const entry = `${WORKERS_DIR}/${name}/src/index.ts`;
  if (!existsSync(entry)) {
    throw new Error(`no worker "${name}": ${entry} does not exist`);
  }
  await ensureWorkersInstalled();
  const esbuild = createRequire(`${WORKERS_DIR}/package.json`)(
    "esbuild",
  ) as Esbuild;
  const socketsShim: EsbuildPlugin = {
    name: "cloudflare-sockets",
    setup(build) {
      build.onResolve(
        { filter: /shared\/sockets\.ts$/ },
        () => ({ path: "cloudflare:sockets", external: true }),
      );
    },
  };
  try {
    await esbuild.build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      conditions: ["workerd", "worker", "browser"],
      mainFields: ["module", "main"],
      external: ["cloudflare:*"],
      plugins: [socketsShim],
      nodePaths: [`${WORKERS_DIR}/node_modules`],
      sourcemap: false,
      minify: false,
      logLevel: "error",
    });
  } finally {
    await esbuild.stop();
  }
  return outfile;
}

if (import.meta.main) {
  const [name = "monitor", outfile] = Deno.args;
  console.log(await bundleWorker(name, outfile));
}
