/**
 * What an emulated Proxmox host's shell does with the command an SSH client sends: bash runs
 * `bash -c COMMAND`; this runs the few commands layer 00 uses and fails like bash for the rest.
 *
 * - `pveum …` against the lab's access state (saved before the command returns);
 * - `cat /etc/pve/pve-root-ca.pem`; `cat` of anything else: `No such file or directory`;
 * - `command -v pveum` (`/usr/sbin/pveum`);
 * - anything else: `bash: line 1: foo: command not found`, exit 127.
 *
 * Shell syntax (pipes, redirections, `;`, `&&`, substitutions) is refused with exit 2 and a `lab:`
 * message rather than misread.
 *
 * @example
 * ```ts
 * await runRemoteCommand("pveum user list --output-format json", ctx); // { code: 0, stdout: "[…]\n", … }
 * ```
 */
import { shellCommand, shellSplit } from "../../lib/ssh/quote.ts";
import type { LabWorld } from "../world.ts";
import { proxmoxWorld } from "../proxmox/access.ts";
import { runPveum } from "../proxmox/pveum.ts";

export interface RemoteResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RemoteContext {
  world: LabWorld;
  /** The host's PVE root CA PEM. */
  rootCaPem: () => Promise<string>;
  /** The session's locale is UTF-8 (pveum draws box-drawing borders). */
  utf8: boolean;
  /** Makes token secrets (tests pin them). */
  newSecret?: () => string;
}

/** The first shell operator outside quotes, if any. */
export function shellOperator(command: string): string | undefined {
  let quote: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"') i++;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === "\\") i++;
    else if ("|&;<>()`$\n".includes(c)) return c === "\n" ? "newline" : c;
  }
  return undefined;
}

export async function runRemoteCommand(command: string, ctx: RemoteContext): Promise<RemoteResult> {
  const op = shellOperator(command);
  if (op) return { code: 2, stdout: "", stderr: `lab: shell syntax ('${op}') is not emulated: ${command}\n` };
  let argv: string[];
  try {
    argv = shellSplit(command);
  } catch {
    return {
      code: 2,
      stdout: "",
      stderr: "bash: -c: line 1: unexpected EOF while looking for matching `''\n",
    };
  }
  if (!argv.length) return { code: 0, stdout: "", stderr: "" };
  const [cmd, ...args] = argv;
  switch (cmd) {
    case "pveum":
    case "/usr/sbin/pveum": {
      const r = runPveum(proxmoxWorld(ctx.world).access, args, { utf8: ctx.utf8, newSecret: ctx.newSecret });
      if (r.code === 0) await ctx.world.save();
      return r;
    }
    case "cat": {
      let stdout = "", stderr = "", code = 0;
      for (const file of args) {
        if (file === "/etc/pve/pve-root-ca.pem") stdout += await ctx.rootCaPem();
        else {
          stderr += `cat: ${file}: No such file or directory\n`;
          code = 1;
        }
      }
      return { code, stdout, stderr };
    }
    case "command":
      if (args[0] === "-v") {
        const found = args.slice(1).map((a) =>
          a === "pveum" ? "/usr/sbin/pveum" : a === "cat" ? "/usr/bin/cat" : ""
        );
        const stdout = found.filter(Boolean).map((p) => `${p}\n`).join("");
        return { code: found.every(Boolean) ? 0 : 1, stdout, stderr: "" };
      }
      // the `command` builtin runs its arguments as a command
      return args.length ? runRemoteCommand(shellCommand(args), ctx) : { code: 0, stdout: "", stderr: "" };
  }
  return { code: 127, stdout: "", stderr: `bash: line 1: ${cmd}: command not found\n` };
}
