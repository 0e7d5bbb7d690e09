/**
 * The `strata` command line: subcommands, their flags and help, and the mapping of errors to
 * exit codes (0 ok · 1 a step failed · 2 usage or config · 3 preflight · 4 refused · 130 interrupted).
 */
import { ExitCode, exitCodeOf, StrataError } from "../errors.ts";
import { flagHelp, type FlagSpecs, parseArgs } from "./args.ts";
import * as commands from "./commands.ts";

const common: FlagSpecs = {
  config: {
    type: "string",
    value: "FILE",
    help: "cluster config (default cluster.yaml; examples/lab.yaml with --lab)",
  },
  lab: {
    type: "boolean",
    help: "run against the built-in lab (emulated Proxmox, Talos, Kubernetes on loopback)",
  },
  json: { type: "boolean", help: "one JSON object per line instead of the human view" },
  "state-dir": {
    type: "string",
    value: "DIR",
    help: "where state lives (default .strata, or $STRATA_STATE_DIR)",
  },
  "lab-trace": {
    type: "string",
    value: "FILE",
    help: "with --lab: append every emulator request as a JSON line",
  },
  help: { type: "boolean", help: "show this help" },
};
const layerFlags: FlagSpecs = {
  "start-from": {
    type: "string",
    value: "LAYER",
    help: "start at this layer (earlier layers must be applied)",
  },
  only: { type: "string", value: "LAYER", help: "run only this layer" },
};
const runFlags: FlagSpecs = {
  yes: { type: "boolean", help: "do not ask for confirmation" },
  "skip-check": { type: "list", value: "ID", help: "skip one preflight check (repeatable; warned)" },
  "allow-dirty": { type: "boolean", help: "allow uncommitted changes in the GitOps paths (warned)" },
  "trust-new-host-key": { type: "boolean", help: "accept and record an unknown SSH host key" },
  "rotate-proxmox-tokens": {
    type: "boolean",
    help: "replace Proxmox API tokens whose secret is not in state",
  },
};

export interface Command {
  summary: string;
  usage: string;
  flags: FlagSpecs;
  details?: string;
  run(flags: Record<string, unknown>, rest: string[], raw: string[]): Promise<number>;
}

const LAYER_NOTE = "LAYER: persistent-auth|infrastructure|services|configuration, or 00|01|02|03.";

export const COMMANDS: Readonly<Record<string, Command>> = {
  bootstrap: {
    summary: "run preflight, then apply the layers in order (idempotent, resumable)",
    usage: "bootstrap [--config FILE] [--start-from=LAYER] [--only=LAYER] [--lab] [--yes] [--json]",
    flags: { ...common, ...layerFlags, ...runFlags },
    details: LAYER_NOTE,
    run: (f) => commands.bootstrap(f as never),
  },
  destroy: {
    summary: "tear layers down from 03 to LAYER in reverse; layer 00 is kept unless asked for and confirmed",
    usage: "destroy --from=LAYER [--including-persistent-auth] [--confirm=CLUSTER_NAME] [--yes] [--lab]",
    flags: {
      ...common,
      from: { type: "string", value: "LAYER", help: "lowest layer to tear down (03 is torn down first)" },
      "including-persistent-auth": {
        type: "boolean",
        help: "also destroy layer 00 (needs the cluster name)",
      },
      confirm: {
        type: "string",
        value: "CLUSTER_NAME",
        help: "the cluster's name, confirming layer 00's destruction",
      },
      yes: { type: "boolean", help: "do not ask for confirmation (not enough for layer 00)" },
      "purge-volumes": {
        type: "boolean",
        help: "also delete this cluster's leftover Proxmox CSI volumes (listed first)",
      },
    },
    details:
      `${LAYER_NOTE}\nLayer 00 is destroyed only with --including-persistent-auth AND the cluster name\n` +
      "(--confirm=NAME or typed at the prompt); otherwise exit 4 and nothing changes. An age-encrypted\n" +
      "backup of layer 00 is written first.",
    run: (f) => commands.destroy(f as never),
  },
  plan: {
    summary: "show what bootstrap would create, change or destroy, per layer",
    usage: "plan [--config FILE] [--lab] [--json]",
    flags: { ...common, ...layerFlags },
    run: (f) => commands.plan(f as never),
  },
  status: {
    summary: "per layer: applied or not, when, public outputs (never secrets)",
    usage: "status [--config FILE] [--lab] [--json]",
    flags: common,
    run: (f) => commands.status(f as never),
  },
  preflight: {
    summary: "run only the preflight checks",
    usage: "preflight [--config FILE] [--lab] [--skip-check=ID] [--json]",
    flags: { ...common, ...layerFlags, ...runFlags },
    run: (f) => commands.preflightOnly(f as never),
  },
  render: {
    summary: "write every generated artifact to DIR without touching anything",
    usage: "render --out DIR [--config FILE]",
    flags: { ...common, out: { type: "string", value: "DIR", help: "folder to write into" } },
    run: (f) => commands.render(f as never),
  },
  schema: {
    summary: "print the JSON Schema of the config file (for editor completion)",
    usage: "schema",
    flags: { help: common.help },
    run: () => commands.schema(),
  },
  lab: {
    summary: "lab serve: run the emulators in the foreground; lab reset: wipe the lab world",
    usage: "lab serve|reset [--config FILE] [--state-dir DIR] [--lab-trace FILE] [--json]",
    flags: common,
    run: (f, rest) => commands.lab(f as never, rest),
  },
  auth: {
    summary: "auth export: layer 00 to an age-encrypted file; auth import: read it on another machine",
    usage: "auth export --out FILE (--recipient=AGE1… | --passphrase-env=VAR) | auth import FILE " +
      "(--identity=FILE | --passphrase-env=VAR)",
    flags: {
      ...common,
      out: { type: "string", value: "FILE", help: "export: where to write" },
      recipient: { type: "string", value: "AGE1…", help: "export: encrypt to this age public key" },
      identity: { type: "string", value: "FILE", help: "import: age identity file that decrypts the export" },
      "passphrase-env": {
        type: "string",
        value: "VAR",
        help: "use the passphrase in this environment variable",
      },
    },
    details: "Imports are refused (exit 4) when this machine already holds a different layer 00.",
    run: (f, rest) => commands.auth(f as never, rest),
  },
  seal: {
    summary: "seal a Kubernetes Secret into a SealedSecret (kubeseal-compatible)",
    usage:
      "seal [FILE] [--cert FILE] [--scope strict|namespace-wide|cluster-wide] [--raw …]  (see seal --help)",
    flags: {},
    run: (f, rest, raw) => commands.seal(f as never, rest, raw),
  },
};

const EXIT_CODES = `Exit codes: 0 success · 1 a step failed · 2 usage or config error · 3 preflight failed ·
4 refused by a safety rule (nothing was changed) · 130 interrupted.`;

export function mainHelp(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return `strata: bare Proxmox VE hosts to a GitOps-managed Kubernetes cluster, in four layers.

Usage: deno task <command> [flags]   (or: deno run -A bootstrap.ts <command> [flags])

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(w)}  ${c.summary}`).join("\n")}

Run \`<command> --help\` for its flags.
${EXIT_CODES}`;
}

export function commandHelp(name: string): string {
  const c = COMMANDS[name];
  return `Usage: deno task ${c.usage}

${c.summary}.

${Object.keys(c.flags).length ? `Flags:\n${flagHelp(c.flags)}\n` : ""}${c.details ? `\n${c.details}\n` : ""}
${EXIT_CODES}`;
}

function printError(err: unknown, json: boolean): void {
  const message = err instanceof Error ? err.message : String(err);
  const remedy = err instanceof StrataError ? err.remedy : undefined;
  if (json) console.log(JSON.stringify({ type: "error", message, remedy, exitCode: exitCodeOf(err) }));
  else {
    console.error(`error: ${message}`);
    if (remedy) console.error(`fix:   ${remedy}`);
    if (!(err instanceof StrataError) && err instanceof Error && err.stack) console.error(err.stack);
  }
}

/** Runs the command line; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [name, ...raw] = args;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(mainHelp());
    return name ? ExitCode.ok : ExitCode.usage;
  }
  const command = COMMANDS[name];
  const json = raw.includes("--json");
  if (!command) {
    printError(
      new StrataError(`unknown command "${name}"`, ExitCode.usage, "run with --help for the list"),
      json,
    );
    return ExitCode.usage;
  }
  try {
    if (name === "seal") return await command.run({}, [], raw);
    const { flags, rest } = parseArgs(raw, command.flags, name);
    if (flags.help) {
      console.log(commandHelp(name));
      return ExitCode.ok;
    }
    return await command.run(flags, rest, raw);
  } catch (err) {
    printError(err, json);
    return exitCodeOf(err);
  }
}
