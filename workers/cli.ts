/**
 * `deno task workers:dev <name>` and `deno task workers:deploy <name>`: run a worker locally under
 * wrangler (with `--test-scheduled`, so `curl localhost:8787/__scheduled` fires the cron handler) or
 * deploy it with its D1 migrations. Wrangler runs under Deno from workers/node_modules (installed on
 * demand with `npm ci`), so no global Node version matters.
 *
 * @example
 * ```sh
 * deno task workers:dev monitor
 * CLOUDFLARE_API_TOKEN=… deno task workers:deploy monitor
 * ```
 */
import { ExitCode, exitCodeOf, StrataError, UsageError } from "../lib/errors.ts";
import { parseJsonc } from "./tools/jsonc.ts";
import { ensureWorkersInstalled } from "./tools/install.ts";
import { existsSync, workerNames, WORKERS_DIR } from "./tools/paths.ts";

const USAGE = "usage: deno task workers:dev <worker> | deno task workers:deploy <worker>";

async function wrangler(name: string, args: string[]): Promise<void> {
  const status = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${WORKERS_DIR}/node_modules/wrangler/bin/wrangler.js`,
      ...args,
    ],
    cwd: `${WORKERS_DIR}/${name}`,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!status.success) {
    throw new StrataError(`wrangler ${args[0]} failed (exit ${status.code})`);
  }
}

/** Validates the command line and environment; returns the worker to act on. */
export function checkInvocation(
  command: string | undefined,
  name: string | undefined,
  env: Deno.Env,
): string {
  if (command !== "dev" && command !== "deploy") {
    throw new UsageError(`unknown command "${command ?? ""}"`, USAGE);
  }
  const names = workerNames();
  if (!name) {
    throw new UsageError(
      `name the worker to ${command}`,
      `${USAGE} (workers: ${names.join(", ")})`,
    );
  }
  if (!names.includes(name)) {
    throw new UsageError(
      `no worker "${name}" (no workers/${name}/wrangler.jsonc)`,
      `workers: ${names.join(", ")}`,
    );
  }
  if (command === "deploy") {
    if (!env.get("CLOUDFLARE_API_TOKEN")) {
      throw new UsageError(
        "CLOUDFLARE_API_TOKEN is not set; deploying needs a Cloudflare API token",
        'create one at https://dash.cloudflare.com/profile/api-tokens (template "Edit Cloudflare Workers" plus ' +
          "D1 Edit), then `export CLOUDFLARE_API_TOKEN=…` (and CLOUDFLARE_ACCOUNT_ID if the token sees several accounts)",
      );
    }
    const config = parseJsonc(
      Deno.readTextFileSync(`${WORKERS_DIR}/${name}/wrangler.jsonc`),
    ) as {
      d1_databases?: { database_id?: string }[];
    };
    if (
      config.d1_databases?.some((d) => !d.database_id || /^0{8}-/.test(d.database_id))
    ) {
      throw new UsageError(
        `workers/${name}/wrangler.jsonc still has the placeholder D1 database_id`,
        `run \`cd workers/${name} && deno run -A ../node_modules/wrangler/bin/wrangler.js d1 create strata-${name}\` ` +
          "and put the printed database_id into wrangler.jsonc",
      );
    }
  }
  return name;
}

async function main(args: string[]): Promise<void> {
  const [command, name] = args;
  checkInvocation(command, name, Deno.env);
  await ensureWorkersInstalled();
  if (command === "dev") {
    if (!existsSync(`${WORKERS_DIR}/${name}/.dev.vars`)) {
      console.error(
        `note: workers/${name}/.dev.vars is missing; copy .dev.vars.example and set API_TOKEN`,
      );
    }
    await wrangler(name, ["d1", "migrations", "apply", "DB", "--local"]);
    await wrangler(name, ["dev", "--test-scheduled", ...args.slice(2)]);
  } else {
    await wrangler(name, ["d1", "migrations", "apply", "DB", "--remote"]);
    await wrangler(name, ["deploy", ...args.slice(2)]);
  }
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (e) {
    const remedy = e instanceof StrataError && e.remedy ? `\n  fix: ${e.remedy}` : "";
    console.error(`error: ${(e as Error).message}${remedy}`);
    Deno.exit(exitCodeOf(e) || ExitCode.stepFailed);
  }
}
