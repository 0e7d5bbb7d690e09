/**
 * kubeseal-compatible sealing: scopes, the hybrid wire format, Secret → SealedSecret, and the
 * `seal` command.
 *
 * @example
 * ```ts
 * import { runSeal } from "../sealing/mod.ts";
 * Deno.exit(await runSeal(Deno.args, { stdin: Deno.stdin.readable, stdout: Deno.stdout.writable, stderr: Deno.stderr.writable }));
 * ```
 */
export * from "./scope.ts";
export * from "./hybrid.ts";
export * from "./certificate.ts";
export * from "./secret_input.ts";
export * from "./seal.ts";
export * from "./command.ts";
