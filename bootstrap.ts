/**
 * strata's entry point: `deno run -A bootstrap.ts <command> [flags]`; `deno.json` tasks map each
 * command (`deno task bootstrap`, `deno task destroy`, …). See `--help`.
 */
import { main } from "./lib/cli/main.ts";

if (import.meta.main) Deno.exit(await main(Deno.args));
