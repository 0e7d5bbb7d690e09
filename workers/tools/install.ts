import { existsSync, WORKERS_DIR } from "./paths.ts";

const STAMP = `${WORKERS_DIR}/node_modules/.strata-lock-sha256`;

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    await Deno.readFile(path),
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * Makes sure `workers/node_modules` matches `workers/package-lock.json` (hono, zod, esbuild, miniflare,
 * wrangler and the workerd binary, all from the npm registry). Runs `npm ci` only when the lock file
 * changed since the last install (a stamp in node_modules records its hash), so it costs a few
 * milliseconds when already installed. A lock directory serialises concurrent callers.
 *
 * @example
 * ```ts
 * import { ensureWorkersInstalled } from "./install.ts";
 * await ensureWorkersInstalled(); // then import miniflare from workers/node_modules
 * ```
 */
export async function ensureWorkersInstalled(): Promise<void> {
  const want = await sha256(`${WORKERS_DIR}/package-lock.json`);
  const current = () => existsSync(STAMP) && Deno.readTextFileSync(STAMP).trim() === want;
  if (current()) return;
  const lock = `${WORKERS_DIR}/.install-lock`;
  for (let attempt = 0;; attempt++) {
    try {
      Deno.mkdirSync(lock);
      break;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      const age = Date.now() -
        (Deno.statSync(lock).mtime?.getTime() ?? Date.now());
      if (age > 600_000) Deno.removeSync(lock, { recursive: true }); // left by a killed install
      else if (attempt > 1200) {
        throw new Error(
          `another npm install holds ${lock}; remove it if none is running`,
        );
      }
      await new Promise((r) => setTimeout(r, 250)); // tool code, not product code: waits for another process
    }
  }
  try {
    if (current()) return;
    let output: Deno.CommandOutput;
    try {
      output = await new Deno.Command("npm", {
        args: [
          "ci",
          "--no-audit",
          "--no-fund",
          "--ignore-scripts",
          "--loglevel=error",
        ],
        cwd: WORKERS_DIR,
        stdout: "piped",
        stderr: "piped",
      }).output();
    } catch (e) {
      throw new Error(
        `could not run npm (needed for workers/): ${(e as Error).message}; install Node.js and npm`,
      );
    }
    if (!output.success) {
      throw new Error(
        `npm ci in workers/ failed (exit ${output.code}):\n${
          new TextDecoder().decode(output.stderr).slice(-4000)
        }`,
      );
    }
    Deno.writeTextFileSync(STAMP, want);
  } finally {
    Deno.removeSync(lock, { recursive: true });
  }
}

if (import.meta.main) await ensureWorkersInstalled();
