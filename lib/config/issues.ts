/**
 * Problems found in a config file, and the error that carries them (exit 2).
 *
 * Each issue names the YAML path (`nodes[2].memory`) and its `line:column`, says what is wrong
 * and, in `hint`, what would be right. {@link ConfigError.format} renders every issue with the
 * offending source line; values that may be secrets (unknown keys, secret-looking keys, passwords
 * in URLs) are masked there, because a config error must never print a secret.
 *
 * @example
 * ```ts
 * throw new ConfigError("cluster.yaml", [
 *   { path: "nodes[2].memory", line: 40, column: 13, message: "1GiB is below …", hint: "use at least 2GiB" },
 * ], text);
 * ```
 */
import { UsageError } from "../errors.ts";
import { redactUrl } from "./formats.ts";

/** One problem in the config, located in the file. */
export interface ConfigIssue {
  /** YAML path like `nodes[2].memory`; empty for the whole file. */
  path: string;
  /** 1-based line; absent when the file could not be read. */
  line?: number;
  /** 1-based column. */
  column?: number;
  /** What is wrong. */
  message: string;
  /** What would be right. */
  hint?: string;
  /** `unknown-key` for a key the schema does not know (its value is never shown). */
  code?: "unknown-key" | "yaml";
}

const REMEDY = "fix the fields named above; docs/config-reference.md lists every field, and " +
  "`deno task schema` prints a JSON Schema for editor completion";

/** The config is missing or invalid (exit 2). `issues` lists every problem found, in file order. */
export class ConfigError extends UsageError {
  readonly issues: ConfigIssue[];
  readonly #source?: string;

  constructor(readonly file: string, issues: ConfigIssue[], source?: string) {
    const sorted = sortIssues(issues);
    super(renderIssues(file, sorted, source), REMEDY);
    this.issues = sorted;
    this.#source = source;
  }

  /** A readable multi-line report: every issue with its location, source line and fix. */
  format(options: { excerpt?: boolean } = {}): string {
    return renderIssues(this.file, this.issues, options.excerpt === false ? undefined : this.#source);
  }
}

/** Issues in file order; those without a position first. */
export function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/** `file:line:col: path: message` for one issue. */
export function issueLine(file: string, issue: ConfigIssue): string {
  const where = issue.line ? `${file}:${issue.line}:${issue.column ?? 1}` : file;
  return `${where}: ${issue.path ? `${issue.path}: ` : ""}${issue.message}`;
}

function renderIssues(file: string, issues: ConfigIssue[], source?: string): string {
  const lines = source?.split(/\r?\n/);
  const count = `${issues.length} problem${issues.length === 1 ? "" : "s"}`;
  const blocks = issues.map((issue) => {
    const out = [issueLine(file, issue)];
    const text = issue.line && lines ? lines[issue.line - 1] : undefined;
    if (text !== undefined) {
      const n = String(issue.line);
      const shown = maskLine(text, issue.code === "unknown-key" ? (issue.column ?? 1) - 1 : undefined);
      out.push(`  ${n} | ${shown}`, `  ${" ".repeat(n.length)} | ${" ".repeat((issue.column ?? 1) - 1)}^`);
    }
    if (issue.hint) out.push(`  fix: ${issue.hint}`);
    return out.join("\n");
  });
  return `config ${file} has ${count}:\n\n${blocks.join("\n\n")}`;
}

const SECRET_KEY = /(token|secret|passw(or)?d|passphrase|private|credential|api[-_]?key)/i;

/**
 * The source line as it may be shown: with `keyAt` (the column of an unknown key, 0-based)
 * everything after that key's ':' is replaced by `…`; so is the value of a secret-looking key;
 * passwords in URLs become `***`.
 */
export function maskLine(line: string, keyAt?: number): string {
  if (keyAt !== undefined) {
    const colon = line.indexOf(":", keyAt);
    if (colon >= 0 && line.slice(colon + 1).trim()) return `${line.slice(0, colon + 1)} …`;
  }
  const pair = /^(\s*(?:-\s+)?["']?([^"':#]+?)["']?\s*:)(\s+.*)?$/.exec(line);
  if (pair && pair[3]?.trim() && SECRET_KEY.test(pair[2])) return `${pair[1]} …`;
  return redactUrl(line);
}
