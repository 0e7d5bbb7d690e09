/**
 * How PVE's command line tools print an API result (`PVE::CLIFormatter::print_api_result`):
 * `text` tables with box-drawing borders (ASCII when the locale is not UTF-8), sorted by the first
 * column, integers right-aligned; `json` as Perl's canonical `to_json` (sorted keys, compact);
 * `json-pretty` in Perl's pretty style (3-space indent, `"key" : value`); `yaml` in block style.
 *
 * @example
 * ```ts
 * printApiResult([{ roleid: "Admin", privs: "", special: 1 }], ROLE_LIST_SCHEMA, { "output-format": "json" });
 * // '[{"privs":"","roleid":"Admin","special":1}]\n'
 * ```
 */

/** The part of a JSON schema the formatter reads. */
export interface FormatSchema {
  type?: string;
  optional?: number | boolean;
  title?: string;
  properties?: Record<string, FormatSchema>;
  items?: FormatSchema;
}

/** `$PVE::RESTHandler::standard_output_options`, as parsed. */
export interface OutputOptions {
  "output-format"?: string;
  noheader?: number;
  noborder?: number;
  quiet?: number;
  "human-readable"?: number;
}

export interface TerminalOptions {
  /** The locale's codeset is UTF-8 (box-drawing borders). */
  utf8: boolean;
}

/** A Perl `die` that is not an exception object: printed as is. */
export class PerlDie extends Error {}

/** The JSON::XS canonical encoding: keys sorted at every level, no whitespace. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value === undefined ? null : value;
}

/** JSON::XS `pretty` + `canonical`: 3-space indent, a space either side of the colon, final newline. */
export function perlPrettyJson(value: unknown, indent = 0): string {
  const pad = " ".repeat(indent + 3), end = " ".repeat(indent);
  if (Array.isArray(value)) {
    if (!value.length) return "[]";
    return "[\n" + value.map((v) => pad + perlPrettyJson(v, indent + 3)).join(",\n") + `\n${end}]`;
  }
  if (value && typeof value === "object") {
    const keys = Object.keys(value).sort();
    if (!keys.length) return "{}";
    const body = keys.map((k) =>
      `${pad}${JSON.stringify(k)} : ${perlPrettyJson((value as Record<string, unknown>)[k], indent + 3)}`
    );
    return "{\n" + body.join(",\n") + `\n${end}}`;
  }
  return JSON.stringify(value === undefined ? null : value);
}

const PLAIN_YAML = /^[A-Za-z_/][A-Za-z0-9_./@!,+-]*$/;
const YAML_WORDS =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;

function yamlScalar(value: unknown): string {
  if (value === null || value === undefined) return "~";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const s = String(value);
  return PLAIN_YAML.test(s) && !YAML_WORDS.test(s) ? s : `'${s.replaceAll("'", "''")}'`;
}

function yamlBlock(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    return value.map((v) => {
      if (v && typeof v === "object" && Object.keys(v).length) {
        return `${indent}- ` + yamlBlock(v, indent + "  ").slice(indent.length + 2);
      }
      return `${indent}- ${yamlInline(v)}\n`;
    }).join("");
  }
  return Object.keys(value as object).sort().map((k) => {
    const v = (value as Record<string, unknown>)[k];
    if (v && typeof v === "object" && Object.keys(v).length) {
      return `${indent}${yamlScalar(k)}:\n` + yamlBlock(v, Array.isArray(v) ? indent : indent + "  ");
    }
    return `${indent}${yamlScalar(k)}: ${yamlInline(v)}\n`;
  }).join("");
}

function yamlInline(value: unknown): string {
  if (Array.isArray(value)) return "[]";
  if (value && typeof value === "object") return "{}";
  return yamlScalar(value);
}

/** YAML::XS `Dump`: a `---` document in block style with sorted keys. */
export function perlYaml(value: unknown): string {
  if (value && typeof value === "object" && Object.keys(value).length) return "---\n" + yamlBlock(value, "");
  return `--- ${yamlInline(value)}\n`;
}

/** `data_to_text`: how one value appears in a table cell. */
function dataToText(value: unknown, prop: FormatSchema | undefined, options: OutputOptions): string {
  if (value === undefined || value === null) return "";
  if ((options["human-readable"] ?? 1) && prop?.type === "boolean") return value ? "1" : "0";
  if (typeof value === "object") return canonicalJson(value);
  return String(value);
}

/** `extract_properties_to_print`: required properties sorted, then optional ones sorted. */
export function propertiesToPrint(properties: Record<string, FormatSchema>): string[] {
  const keys = Object.keys(properties).sort();
  return [...keys.filter((k) => !properties[k].optional), ...keys.filter((k) => properties[k].optional)];
}

/** `print_text_table`. */
export function textTable(
  data: Record<string, unknown>[],
  props: Record<string, FormatSchema>,
  columns: string[],
  options: OutputOptions,
  terminal: TerminalOptions,
): string {
  const border = !options.noborder, header = !options.noheader;
  const sortKey = columns[0];
  const numeric = (k: string) => ["integer", "number"].includes(props[k]?.type ?? "string");
  const rows = data.map((entry, index) => ({ entry, index })).sort((a, b) => {
    const x = a.entry[sortKey], y = b.entry[sortKey];
    if (x === undefined && y === undefined) return a.index - b.index;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const c = numeric(sortKey)
      ? Number(x) - Number(y)
      : String(x) < String(y)
      ? -1
      : String(x) > String(y)
      ? 1
      : 0;
    return c || a.index - b.index; // Perl's sort is a stable merge sort
  }).map(({ entry }) => {
    const cells = Object.fromEntries(
      columns.map((c) => [c, dataToText(entry[c], props[c], options).split("\n")]),
    );
    // Perl's split drops trailing empty fields
    for (const c of columns) while (cells[c].length && cells[c][cells[c].length - 1] === "") cells[c].pop();
    return { cells, height: Math.max(1, ...columns.map((c) => cells[c].length)) };
  });
  const titles = columns.map((c) => props[c]?.title ?? c);
  const widths = columns.map((c, i) =>
    Math.max(titles[i].length, ...rows.flatMap((r) => r.cells[c].map((l) => l.length)))
  );
  const cell = (text: string, i: number) =>
    numeric(columns[i]) ? text.padStart(widths[i]) : text.padEnd(widths[i]);
  const u = terminal.utf8;
  const n = columns.length;
  let fmt: (values: string[]) => string;
  const b = { t: "", h: "", m: "", b: "" };
  if (border) {
    const v = u ? "│" : "|";
    fmt = (values) => values.map((x, i) => `${v} ${cell(x, i)} `).join("") + v;
    widths.forEach((w, i) => {
      const first = i === 0, last = i === n - 1;
      if (u) {
        b.t += (first ? "┌─" : "┬─") + "─".repeat(w) + (last ? "─┐" : "─");
        b.h += (first ? "╞═" : "╪═") + "═".repeat(w) + (last ? "═╡" : "═");
        b.m += (first ? "├─" : "┼─") + "─".repeat(w) + (last ? "─┤" : "─");
        b.b += (first ? "└─" : "┴─") + "─".repeat(w) + (last ? "─┘" : "─");
      } else {
        b.m += "+-" + "-".repeat(w) + (last ? "-+" : "-");
        // PVE's own quirk: a one-column ASCII header rule has no closing '+'
        b.h += "+=" + "=".repeat(w) + (last && n > 1 ? "=+" : "=");
      }
    });
    if (!b.t) b.t = b.m;
    if (!b.b) b.b = b.m;
  } else {
    fmt = (values) => values.map((x, i) => i === n - 1 ? x : cell(x, i) + " ").join("");
  }
  const out: string[] = [];
  if (border) out.push(b.t);
  let sep = b.m;
  if (header) {
    out.push(fmt(titles));
    sep = b.h;
  }
  rows.forEach((row, i) => {
    if (border && (i !== 0 || header)) {
      out.push(sep);
      sep = b.m;
    }
    for (let line = 0; line < row.height; line++) {
      out.push(fmt(columns.map((c, ci) => (row.cells[c][line] ?? "").slice(0, widths[ci]))));
    }
  });
  if (border) out.push(b.b);
  return out.map((l) => l + "\n").join("");
}

/** `print_api_result`: what `pveum … [FORMAT_OPTIONS]` prints for a method's result. */
export function printApiResult(
  data: unknown,
  schema: FormatSchema | undefined,
  options: OutputOptions,
  terminal: TerminalOptions,
): string {
  if (options.quiet) return "";
  const format = options["output-format"] ?? "text";
  if (schema?.type === "null") return "";
  if (schema?.optional && data === undefined) return "";
  if (format === "yaml") return perlYaml(data);
  if (format === "json") return canonicalJson(data ?? null) + "\n";
  if (format === "json-pretty") return perlPrettyJson(data ?? null) + "\n";
  if (format !== "text") {
    throw new PerlDie(
      "internal error: unknown output format at /usr/share/perl5/PVE/CLIFormatter.pm line 445.\n",
    );
  }
  const type = schema?.type ??
    (Array.isArray(data) ? "array" : typeof data === "object" ? "object" : "string");
  if (type === "object") {
    const record = (data ?? {}) as Record<string, unknown>;
    let keys = propertiesToPrint(schema?.properties ?? {});
    if (!keys.length) keys = Object.keys(record).sort();
    const kv = keys.filter((k) => record[k] !== undefined && record[k] !== null).map((key) => ({
      key,
      value: dataToText(record[key], schema?.properties?.[key], options),
    }));
    return textTable(kv, {}, ["key", "value"], options, terminal);
  }
  if (type === "array") {
    const list = (data ?? []) as unknown[];
    if (!list.length) return "";
    const props = schema?.items?.properties ?? {};
    let columns = propertiesToPrint(props);
    if (!columns.length) {
      columns = [...new Set(list.flatMap((o) => Object.keys(o as object)))].sort();
    }
    if (!columns.length) throw new PerlDie("unable to detect list properties\n");
    return textTable(list as Record<string, unknown>[], props, columns, options, terminal);
  }
  return `${data}\n`;
}
