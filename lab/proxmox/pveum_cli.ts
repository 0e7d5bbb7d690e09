/**
 * PVE's command line machinery, as `pveum` runs it: `PVE::CLIHandler` resolves the (sub)command
 * (unique prefixes, aliases), `PVE::JSONSchema::get_options` parses the options with Getopt::Long
 * (`--` or `-`, unique abbreviations, case-insensitive, `--opt=value`, booleans with an optional
 * value), `PVE::RESTHandler::handle` validates the parameters against the method's schema, and
 * errors are printed as Perl prints a `die`: the message, and for HTTP 400 errors (parameter
 * exceptions) the per-parameter errors and the command's short usage. A failed command exits 255.
 *
 * @example
 * ```ts
 * const r = runCli(PVEUM_COMMANDS, ["user", "add", "strata@pve"], { utf8: true });
 * // { code: 0, stdout: "", stderr: "" }
 * ```
 */
import {
  type FormatSchema,
  type OutputOptions,
  PerlDie,
  printApiResult,
  type TerminalOptions,
} from "./pveum_format.ts";

export { PerlDie } from "./pveum_format.ts";

/** One parameter, in apidata.js' terms (pattern as PVE prints it, e.g. `(?^:[A-Za-z]…)`). */
export interface ParamSchema {
  type: "string" | "integer" | "boolean";
  optional?: 1;
  format?: string;
  pattern?: string;
  maxLength?: number;
  minLength?: number;
  minimum?: number;
  enum?: string[];
  requires?: string;
}

export type Params = Record<string, string | number | undefined>;

/** An API method as the CLI calls it. */
export interface CliMethod {
  /** The API path and method it mirrors (for the spec test), e.g. "POST /access/users". */
  api: string;
  parameters: Record<string, ParamSchema>;
  returns: FormatSchema;
  code(params: Params): unknown;
}

export interface CliCommand {
  method: CliMethod;
  /** Positional parameters, in order. */
  args: string[];
  /** Parameters the command fixes (e.g. `acl delete` sets `delete=1`). */
  fixed?: Params;
  /** How a result is printed; commands without one print nothing. */
  output?: (data: unknown, schema: FormatSchema, options: OutputOptions, terminal: TerminalOptions) => string;
}

/** A (sub)command tree: commands, nested trees, aliases ("acl modify") and commands not emulated. */
export type CliTree = { [name: string]: CliCommand | CliTree | { alias: string } | { notEmulated: true } };

/** A PVE::Exception: HTTP code, message and per-parameter errors. Code 400 is a parameter exception. */
export class PveCliException extends Error {
  constructor(readonly code: number, message: string, readonly errors?: Record<string, string>) {
    super(message);
  }
}

/** `raise_param_exc`. */
export function paramException(errors: Record<string, string>): PveCliException {
  return new PveCliException(400, "Parameter verification failed.\n", errors);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const isCommand = (d: unknown): d is CliCommand => !!d && typeof d === "object" && "method" in d;
const isAlias = (d: unknown): d is { alias: string } => !!d && typeof d === "object" && "alias" in d;
const notEmulated = (d: unknown): d is { notEmulated: true } =>
  !!d && typeof d === "object" && "notEmulated" in d;

/** The standard output options `[FORMAT_OPTIONS]` adds. */
const FORMAT_OPTIONS: Record<string, ParamSchema> = {
  "output-format": { type: "string", optional: 1, enum: ["text", "json", "json-pretty", "yaml"] },
  noheader: { type: "boolean", optional: 1 },
  noborder: { type: "boolean", optional: 1 },
  quiet: { type: "boolean", optional: 1 },
  "human-readable": { type: "boolean", optional: 1 },
};

/** `$expand_command_name` with enforced exactness: the name, or its one non-alias completion. */
function expand(tree: CliTree, word: string): string | undefined {
  if (word in tree) return word;
  const found = Object.keys(tree).filter((k) => k.startsWith(word) && !isAlias(tree[k]));
  return found.length === 1 ? found[0] : undefined;
}

type Resolved =
  | { kind: "command"; command: CliCommand; args: string[]; name: string }
  | { kind: "error"; reason: string; tree?: CliTree; prefix?: string };

/** `resolve_cmd`: walks the tree, expanding prefixes and one level of aliases. */
function resolve(root: CliTree, argv: string[], aliased = false): Resolved {
  let tree: CliTree = root;
  let name = "pveum";
  for (let i = 0; i < argv.length; i++) {
    const word = expand(tree, argv[i]) ?? argv[i];
    name += ` ${word}`;
    const def = tree[word];
    if (!def) return { kind: "error", reason: `unknown command '${name}'` };
    if (isAlias(def)) {
      if (aliased) throw new Error(`alias loop detected for '${word}'`);
      return resolve(root, [...argv.slice(0, i), ...def.alias.split(/ +/), ...argv.slice(i + 1)], true);
    }
    if (notEmulated(def)) return { kind: "error", reason: `lab: '${name}' is not emulated` };
    if (isCommand(def)) return { kind: "command", command: def, args: argv.slice(i + 1), name };
    tree = def as CliTree;
  }
  if (!argv.length) return { kind: "error", reason: "no command specified" };
  return { kind: "error", reason: `incomplete command '${name}'`, tree, prefix: name };
}

/** `getopt_usage` in its short form: "pveum user token add <userid> <tokenid> [OPTIONS] [FORMAT_OPTIONS]". */
export function shortUsage(command: CliCommand, name: string): string {
  const params = command.method.parameters;
  const args = command.args.map((a) => params[a]?.optional ? `[<${a}>]` : `<${a}>`);
  const rest = Object.keys(params).sort().filter((k) =>
    !command.args.includes(k) && !(k in (command.fixed ?? {}))
  );
  for (const k of rest) if (!params[k].optional) args.push(`--${k} <${params[k].type}>`);
  return `${name} ${args.join(" ")}` + (rest.length ? " [OPTIONS]" : "") +
    (command.output ? " [FORMAT_OPTIONS]" : "") +
    "\n";
}

/** `print_usage_short`: the error, then the usage of every command under the tree. */
function usageListing(tree: CliTree, prefix: string): string {
  let out = "";
  for (const key of Object.keys(tree).sort()) {
    const def = tree[key];
    if (isCommand(def)) out += " ".repeat(7) + shortUsage(def, `${prefix} ${key}`);
    else if (!isAlias(def) && !notEmulated(def)) out += usageListing(def as CliTree, `${prefix} ${key}`);
  }
  return out;
}

interface OptionSpec {
  /** `:s` (value optional: booleans) or `=s`. */
  optionalValue: boolean;
  /** `@`: repeatable, collected (list formats). */
  list: boolean;
}

/** Getopt::Long as PVE configures it. Returns the options and the remaining (positional) arguments. */
function getopt(
  argv: string[],
  specs: Record<string, OptionSpec>,
): { opts: Record<string, string | string[]>; rest: string[] } {
  const opts: Record<string, string | string[]> = {};
  const rest: string[] = [];
  const names = Object.keys(specs);
  const warnings: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      rest.push(...argv.slice(i + 1));
      break;
    }
    const m = /^(--|-)(.+)$/.exec(arg);
    if (!m) {
      rest.push(arg);
      continue;
    }
    const [given, inline] = m[2].includes("=")
      ? [m[2].slice(0, m[2].indexOf("=")), m[2].slice(m[2].indexOf("=") + 1)]
      : [m[2], undefined];
    const lower = given.toLowerCase();
    let name = names.find((n) => n.toLowerCase() === lower);
    if (!name) {
      const candidates = names.filter((n) => n.toLowerCase().startsWith(lower));
      if (candidates.length > 1) {
        warnings.push(`Option ${lower} is ambiguous (${candidates.sort().join(", ")})\n`);
        continue;
      }
      name = candidates[0];
    }
    if (!name) {
      warnings.push(`Unknown option: ${lower}\n`);
      continue;
    }
    const spec = specs[name];
    let value: string;
    if (inline !== undefined) value = inline;
    else if (i + 1 >= argv.length) {
      if (!spec.optionalValue) {
        warnings.push(`Option ${name} requires an argument\n`);
        continue;
      }
      value = "";
    } else if (spec.optionalValue && (argv[i + 1] === "--" || /^(--|-).+/.test(argv[i + 1]))) value = "";
    else value = argv[++i];
    if (spec.list) opts[name] = [...((opts[name] as string[] | undefined) ?? []), value];
    else opts[name] = value;
  }
  if (warnings.length) {
    throw Object.assign(new PveCliException(400, "unable to parse option\n"), { warnings });
  }
  return { opts, rest };
}

const parseBoolean = (v: string): number | undefined =>
  /^(1|on|yes|true)$/i.test(v) ? 1 : /^(0|off|no|false)$/i.test(v) ? 0 : undefined;

/** A registered format's check (`PVE::JSONSchema::check_format`): throws its message. */
export type FormatCheck = (value: string) => void;

/** `PVE::JSONSchema::check_prop` for one scalar parameter. */
function checkParam(
  value: string | number,
  schema: ParamSchema,
  formats: Record<string, FormatCheck>,
): string | undefined {
  const text = String(value);
  if (schema.type === "integer" && !/^[+-]?\d+$/.test(text)) {
    return `type check ('integer') failed - got '${text}'`;
  }
  if (schema.type === "boolean" && !/^[01]$/.test(text)) {
    return `type check ('boolean') failed - got '${text}'`;
  }
  if (schema.format) {
    const [, base, kind] = /^(.*?)(?:-(list|opt))?$/.exec(schema.format)!;
    const check = formats[base];
    if (!check) throw new Error(`lab: format '${schema.format}' is not modelled`);
    try {
      if (kind === "list") { for (const v of splitList(text)) check(v); }
      else if (kind !== "opt" || text) check(text);
    } catch (err) {
      return `invalid format - ${(err as Error).message}`;
    }
  }
  if (schema.pattern && !new RegExp(`^${perlRegex(schema.pattern)}$`).test(text)) {
    return "value does not match the regex pattern";
  }
  if (schema.maxLength !== undefined && text.length > schema.maxLength) {
    return `value may only be ${schema.maxLength} characters long`;
  }
  if (schema.minLength !== undefined && text.length < schema.minLength) {
    return `value must be at least ${schema.minLength} characters long`;
  }
  if (schema.minimum !== undefined && /^[+-]?\d+(\.\d+)?$/.test(text) && Number(text) < schema.minimum) {
    return `value must have a minimum value of ${schema.minimum}`;
  }
  if (schema.enum && !schema.enum.includes(text)) {
    return `value '${text}' does not have a value in the enumeration '${schema.enum.join(", ")}'`;
  }
  return undefined;
}

/** A Perl regex as apidata.js prints it (`(?^:…)`) in JS syntax. */
export function perlRegex(source: string): string {
  return source.replaceAll("(?^:", "(?:");
}

/** `PVE::Tools::split_list`: commas, semicolons and whitespace separate items. */
export function splitList(text: string): string[] {
  if (text.includes("\0")) return text.split("\0");
  return text.replace(/[,;]/g, " ").trim().split(/\s+/).filter(Boolean);
}

/** Formats the error Perl prints for an uncaught `die`. */
function dieText(err: unknown, usage: string): string {
  if (err instanceof PveCliException) {
    let msg = `${err.code} ${err.message}`;
    if (!msg.endsWith("\n")) msg += "\n";
    for (const [k, v] of Object.entries(err.errors ?? {}).sort()) msg += `${k}: ${v}\n`;
    if (err.code === 400) msg += usage;
    return ((err as { warnings?: string[] }).warnings ?? []).join("") + msg;
  }
  const text = err instanceof Error ? err.message : String(err);
  return text.endsWith("\n") ? text : `${text}\n`;
}

/** Runs a `pveum`-style command line against a command tree. */
export function runCli(
  tree: CliTree,
  argv: string[],
  terminal: TerminalOptions,
  formats: Record<string, FormatCheck>,
  /** Called once the method succeeded, before its result is printed (PVE has written user.cfg by then). */
  committed: () => void = () => {},
): CliResult {
  const resolved = resolve(tree, argv);
  if (resolved.kind === "error") {
    if (resolved.reason.startsWith("lab:")) return { code: 255, stdout: "", stderr: `${resolved.reason}\n` };
    const listing = resolved.tree
      ? usageListing(resolved.tree, resolved.prefix!)
      : usageListing(tree, "pveum");
    return {
      code: 255,
      stdout: "",
      stderr: `ERROR: ${resolved.reason}\nUSAGE: pveum <COMMAND> [ARGS] [OPTIONS]\n\n${listing}`,
    };
  }
  const { command, name } = resolved;
  const usage = shortUsage(command, name);
  const schema: Record<string, ParamSchema> = {
    ...command.method.parameters,
    ...(command.output ? FORMAT_OPTIONS : {}),
  };
  let params: Params;
  const format: OutputOptions = {};
  try {
    const specs: Record<string, OptionSpec> = {};
    for (const [k, s] of Object.entries(schema)) {
      if (command.args.includes(k) || k in (command.fixed ?? {})) continue;
      specs[k] = { optionalValue: s.type === "boolean", list: !!s.format?.endsWith("-list") };
    }
    const { opts, rest } = getopt(resolved.args, specs);
    params = {};
    for (const [k, v] of Object.entries(opts)) params[k] = Array.isArray(v) ? v.join(",") : v;
    for (const [i, arg] of command.args.entries()) {
      if (i < rest.length) params[arg] = rest[i];
      else if (!command.method.parameters[arg].optional) {
        throw new PveCliException(400, "not enough arguments\n");
      }
    }
    if (rest.length > command.args.length) throw new PveCliException(400, "too many arguments\n");
    for (const [k, v] of Object.entries(params)) {
      if (schema[k]?.type !== "boolean") continue;
      const b = v === "" ? 1 : parseBoolean(String(v));
      if (b === undefined) throw new PveCliException(400, "unable to parse boolean option\n");
      params[k] = b;
    }
    for (const k of Object.keys(FORMAT_OPTIONS)) {
      if (command.output && params[k] !== undefined) {
        (format as Record<string, unknown>)[k] = params[k];
        delete params[k];
      }
    }
    Object.assign(params, command.fixed ?? {});
    const errors: Record<string, string> = {};
    for (const [k, s] of Object.entries(command.method.parameters)) {
      const v = params[k];
      if (v === undefined) {
        if (!s.optional) errors[k] = "property is missing and it is not optional";
        continue;
      }
      const e = checkParam(v, s, formats);
      if (e) errors[k] = e;
      if (s.requires && params[s.requires] === undefined) {
        errors[s.requires] = `missing property - '${k}' requires this property`;
      }
    }
    if (Object.keys(errors).length) throw paramException(errors);
  } catch (err) {
    if (!(err instanceof PveCliException)) throw err;
    return { code: 255, stdout: "", stderr: dieText(err, usage) };
  }
  try {
    const result = command.method.code(params);
    committed();
    const stdout = command.output ? command.output(result, command.method.returns, format, terminal) : "";
    return { code: 0, stdout, stderr: "" };
  } catch (err) {
    if (!(err instanceof PveCliException) && !(err instanceof PerlDie)) throw err;
    return { code: 255, stdout: "", stderr: dieText(err, usage) };
  }
}

/** The default result printer (`$print_api_result`). */
export const printResult: CliCommand["output"] = (data, schema, options, terminal) =>
  printApiResult(data, schema, options, terminal);
