/**
 * Flag parsing for strata's commands: `--flag`, `--flag=value`, `--flag value`, repeatable
 * flags. Unknown flags are usage errors (exit 2) with a "did you mean".
 *
 * @example
 * ```ts
 * const { flags, rest } = parseArgs(["--only=01", "--lab"], {
 *   only: { type: "string", help: "run one layer" },
 *   lab: { type: "boolean", help: "use the lab" },
 * });
 * ```
 */
import { didYouMean } from "../config/did_you_mean.ts";
import { UsageError } from "../errors.ts";

export interface FlagSpec {
  type: "boolean" | "string" | "list";
  help: string;
  /** Shown in help: `--config FILE`. */
  value?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;
export type Parsed = Record<string, string | boolean | string[] | undefined>;

export function parseArgs(
  args: string[],
  specs: FlagSpecs,
  command: string,
): { flags: Parsed; rest: string[] } {
  const flags: Parsed = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--")) {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = specs[name];
    if (!spec) {
      const guess = didYouMean(name, Object.keys(specs));
      throw new UsageError(
        `${command}: unknown flag --${name}`,
        guess ? `did you mean --${guess}? (see ${command} --help)` : `see ${command} --help`,
      );
    }
    if (spec.type === "boolean") {
      if (eq !== -1) throw new UsageError(`${command}: --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq === -1 && value.startsWith("--"))) {
      throw new UsageError(`${command}: --${name} needs a value${spec.value ? ` (${spec.value})` : ""}`);
    }
    value = value.trim();
    if (spec.type === "list") flags[name] = [...(flags[name] as string[] ?? []), value];
    else flags[name] = value;
  }
  return { flags, rest };
}

/** The flag table of a command's help. */
export function flagHelp(specs: FlagSpecs): string {
  const rows = Object.entries(specs).map((
    [name, s],
  ) => [`--${name}${s.value ? (s.type === "boolean" ? "" : `=${s.value}`) : ""}`, s.help]);
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([f, h]) => `  ${f.padEnd(w)}  ${h}`).join("\n");
}
