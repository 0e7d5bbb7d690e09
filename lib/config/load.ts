/**
 * Loads and validates the cluster config. Side-effect free: it reads one file and writes nothing.
 *
 * @example
 * ```ts
 * const { config, warnings } = await loadConfig("examples/lab.yaml");
 * console.log(config.nodes.length, warnings.length);
 * ```
 */
import { isMap, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { UsageError } from "../errors.ts";
import { didYouMean } from "./did_you_mean.ts";
import { checkRules } from "./rules.ts";
import { type ClusterConfig, ConfigSchema, sizeToMiB } from "./schema.ts";

/** One problem in the config, located in the file. */
export interface ConfigIssue {
  /** YAML path like `nodes[2].memory`. */
  path: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

/** The config is invalid (exit 2). `issues` lists every problem found. */
export class ConfigError extends UsageError {
  constructor(readonly file: string, readonly issues: ConfigIssue[]) {
    super(formatIssues(file, issues), "fix the fields named above and run again");
  }
}

export interface LoadedConfig {
  config: ClusterConfig;
  warnings: ConfigIssue[];
  file: string;
}

/** Formats issues one per line: `file:line:col: path: message (hint)`. */
export function formatIssues(file: string, issues: ConfigIssue[]): string {
  const lines = issues.map((i) => {
    const where = i.line ? `${file}:${i.line}:${i.column}` : file;
    return `  ${where}: ${i.path || "(top)"}: ${i.message}${i.hint ? ` (${i.hint})` : ""}`;
  });
  return `config ${file} is invalid (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${
    lines.join("\n")
  }`;
}

/** Reads and validates `path`. Throws {@link ConfigError} (exit 2) when missing or invalid. */
export async function loadConfig(path: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new ConfigError(path, [{
        path: "",
        message: "file not found",
        hint: "pass --config FILE, or start from examples/homelab.yaml (or use --lab for examples/lab.yaml)",
      }]);
    }
    throw err;
  }
  return parseConfig(text, path);
}

/** Validates config text; `file` is used in messages only. */
export function parseConfig(text: string, file: string): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return {};
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ path: "", ...at(e.pos[0]), message: `YAML: ${e.message.split("\n")[0]}` })),
    );
  }
  const locate = (path: PropertyKey[]): { line?: number; column?: number } => {
    // the deepest node that exists along the path
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true) as Node | undefined;
      if (node && typeof node === "object" && "range" in node && node.range) return at(node.range[0]);
    }
    return {};
  };
  const keyPosition = (parent: PropertyKey[], key: string) => {
    const map = parent.length ? doc.getIn(parent as unknown[], true) : doc.contents;
    if (isMap(map)) {
      const pair = map.items.find((p) => (p.key as { value?: unknown })?.value === key);
      const range = (pair?.key as Node | undefined)?.range;
      if (range) return at(range[0]);
    }
    return locate(parent);
  };

  const raw = doc.toJS();
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(file, [{
      path: "",
      line: 1,
      column: 1,
      message: "the config must be a YAML mapping",
    }]);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(file, parsed.error.issues.flatMap((i) => zodIssue(i, keyPosition, locate)));
  }
  const config: ClusterConfig = {
    ...parsed.data,
    nodes: parsed.data.nodes.map((n) => ({
      ...n,
      memoryMiB: sizeToMiB(n.memory),
      diskGiB: Math.ceil(sizeToMiB(n.disk) / 1024),
    })),
  };
  const { errors, warnings } = checkRules(config);
  const placed = (i: ConfigIssue) => ({ ...i, ...locate(pathKeys(i.path)) });
  if (errors.length) throw new ConfigError(file, errors.map(placed));
  return { config, warnings: warnings.map(placed), file };
}

/** `nodes[2].memory` → ["nodes", 2, "memory"]. */
function pathKeys(path: string): PropertyKey[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => m[2] !== undefined ? Number(m[2]) : m[1]);
}

/** ["nodes", 2, "memory"] → `nodes[2].memory`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((k, i) => typeof k === "number" ? `[${k}]` : `${i ? "." : ""}${String(k)}`).join("");
}

function zodIssue(
  issue: z.core.$ZodIssue,
  keyPosition: (parent: PropertyKey[], key: string) => { line?: number; column?: number },
  locate: (path: PropertyKey[]) => { line?: number; column?: number },
): ConfigIssue[] {
  const path = issue.path as PropertyKey[];
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(path);
    return issue.keys.map((key) => {
      const guess = didYouMean(key, known);
      return {
        path: formatPath([...path, key]),
        ...keyPosition(path, key),
        message: `unknown key "${key}"`,
        hint: guess ? `did you mean "${guess}"?` : `known keys: ${known.join(", ")}`,
      };
    });
  }
  let message = issue.message;
  if (issue.code === "invalid_type" && issue.input === undefined) message = `is required (${issue.expected})`;
  else if (issue.code === "invalid_value") message = `must be one of ${issue.values.map(String).join(", ")}`;
  return [{ path: formatPath(path), ...locate(path), message }];
}

/** The keys the schema allows at `path` (for "did you mean"). */
function knownKeys(path: readonly PropertyKey[]): string[] {
  // deno-lint-ignore no-explicit-any
  let schema: any = ConfigSchema;
  for (const key of path) {
    schema = unwrap(schema);
    if (typeof key === "number") schema = schema?.def?.element;
    else schema = schema?.def?.shape?.[key] ?? schema?.def?.valueType;
  }
  schema = unwrap(schema);
  return Object.keys(schema?.def?.shape ?? {});
}

// deno-lint-ignore no-explicit-any
function unwrap(schema: any): any {
  while (schema?.def?.innerType) schema = schema.def.innerType;
  return schema;
}
