/**
 * Loads and validates the cluster config: YAML with source positions, the zod schema, then the
 * cross-field rules. Every problem is collected (not only the first) and thrown as one
 * {@link ConfigError} (exit 2). Side-effect free: it reads one file and writes nothing.
 *
 * @example
 * ```ts
 * const { config, warnings } = await loadConfig("cluster.yaml");
 * for (const w of warnings) console.warn(`${w.path}: ${w.message}`);
 * console.log(config.nodes[0].memoryMiB);
 * ```
 */
import { type Document, isMap, LineCounter, parseDocument } from "yaml";
import type { Finding } from "./findings.ts";
import { ConfigError, type ConfigIssue } from "./issues.ts";
import { normalize } from "./normalize.ts";
import { formatPath, parsePath, SourcePositions } from "./positions.ts";
import { checkRules, type RuleOptions } from "./rules.ts";
import { type ClusterConfig, ConfigSchema, type RawConfig } from "./schema.ts";
import { translateIssues } from "./zod_issues.ts";

export { ConfigError, type ConfigIssue } from "./issues.ts";
export { formatPath } from "./positions.ts";

/** A valid config and the warnings to show on every run. */
export interface LoadedConfig {
  config: ClusterConfig;
  /** Problems that do not stop the run (e.g. an even number of control planes). */
  warnings: ConfigIssue[];
  /** The file it came from, as given. */
  file: string;
}

export type LoadOptions = RuleOptions;

/**
 * Reads and validates the config at `path`. Throws {@link ConfigError} (exit 2) when the file is
 * missing, unreadable or invalid.
 */
export async function loadConfig(path: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    const missing = err instanceof Deno.errors.NotFound;
    throw new ConfigError(path, [{
      path: "",
      message: missing ? "config file not found" : `cannot read the config file: ${(err as Error).message}`,
      hint: missing
        ? "pass --config FILE (start from examples/homelab.yaml), or run with --lab to use examples/lab.yaml"
        : "check the path and its permissions, or pass --config FILE",
    }]);
  }
  return parseConfig(text, path, options);
}

/** Validates config text; `file` names it in messages. Throws {@link ConfigError} when invalid. */
export function parseConfig(text: string, file: string, options: LoadOptions = {}): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const at = new SourcePositions(doc, lineCounter);
  const fail = (issues: ConfigIssue[]): never => {
    throw new ConfigError(file, issues, text);
  };

  if (doc.errors.length) {
    fail(doc.errors.map((e) => ({
      path: formatPath(at.pathAt(e.pos[0])),
      ...at.offset(e.pos[0]),
      message: e.code === "MULTIPLE_DOCS"
        ? "YAML syntax: the file holds more than one YAML document"
        : `YAML syntax: ${e.message.split("\n")[0]}`,
      hint: yamlHint(e.code),
      code: "yaml" as const,
    })));
  }
  const value = toValue(doc, at, fail);

  const parsed = ConfigSchema.safeParse(value, { reportInput: true });
  if (parsed.success) {
    const raw = parsed.data;
    const config = normalize(raw);
    const { errors, warnings } = checkRules(config, raw, options);
    if (errors.length) fail(errors.map((i) => locate(i, at)));
    const yamlWarnings = doc.warnings.map((w) => ({ path: "", ...at.offset(w.pos[0]), message: w.message }));
    return { config, warnings: [...yamlWarnings, ...warnings.map((i) => locate(i, at))], file };
  }

  const issues = translateIssues(parsed.error.issues, { schema: ConfigSchema, value, at });
  // the rules whose sections did parse still run, so one run reports every problem
  const partial = validSections(value);
  if (partial) {
    const { errors } = checkRules(normalizePartial(partial.raw), partial.raw, {
      ...options,
      sections: partial.sections,
    });
    issues.push(...errors.map((i) => locate(i, at)));
  }
  return fail(issues);
}

/** A rule's finding with its position in the file. */
function locate({ atKey, ...issue }: Finding, at: SourcePositions): ConfigIssue {
  const path = parsePath(issue.path);
  return { ...issue, ...(atKey ? at.key(path) : at.value(path)) };
}

function toValue(
  doc: Document,
  at: SourcePositions,
  fail: (issues: ConfigIssue[]) => never,
): Record<string, unknown> {
  if (doc.contents === null) fail([{ path: "", line: 1, column: 1, message: "the config file is empty" }]);
  if (!isMap(doc.contents)) {
    fail([{
      path: "",
      ...at.value([]),
      message: "the config must be a YAML mapping (cluster:, proxmox:, network:, nodes:, …)",
      hint: "start from examples/homelab.yaml",
    }]);
  }
  try {
    return doc.toJS({ maxAliasCount: 1000 }) as Record<string, unknown>;
  } catch (err) {
    return fail([{ path: "", line: 1, column: 1, message: `YAML: ${(err as Error).message}` }]);
  }
}

/** The top-level sections that pass the schema on their own, as a partial raw config. */
function validSections(
  value: Record<string, unknown>,
): { raw: RawConfig; sections: Set<string> } | undefined {
  const raw: Record<string, unknown> = {};
  const sections = new Set<string>();
  for (const [key, schema] of Object.entries(ConfigSchema.shape)) {
    const r = schema.safeParse(value[key]);
    if (r.success) {
      raw[key] = r.data;
      sections.add(key);
    }
  }
  return sections.size ? { raw: raw as RawConfig, sections } : undefined;
}

/** {@link normalize} for a config whose broken sections are missing. */
function normalizePartial(raw: RawConfig): ClusterConfig {
  return normalize({
    ...raw,
    proxmox: raw.proxmox ?? { vmCreateConcurrency: 1, hosts: [] },
    nodes: raw.nodes ?? [],
  }) as ClusterConfig;
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case "DUPLICATE_KEY":
      return "a key may appear once per mapping; remove or merge the repeated one";
    case "TAB_AS_INDENT":
      return "indent with spaces, not tabs";
    case "BAD_INDENT":
    case "MISSING_CHAR":
      return "check the indentation and the ':' after each key";
    case "MULTIPLE_DOCS":
      return "the config is one YAML document; remove the extra '---'";
    default:
      return undefined;
  }
}
