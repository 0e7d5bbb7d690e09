/**
 * A YAML emitter that writes what Go's `go.yaml.in/yaml/v4` `Marshal` writes for plain data: block
 * style, 4-space indent, sequences indented under their key, `{}`/`[]` for empty collections, and
 * libyaml's choice between plain, single-quoted, double-quoted and literal scalars. The Image Factory
 * hashes this exact text to name a schematic, so byte equality matters here.
 *
 * Checked byte for byte against Go output: the factory's schematics and the `talosctl gen config`
 * examples (maps, sequences, maps inside sequence items, nested maps inside those, literals).
 *
 * @example
 * ```ts
 * goYaml({ customization: { extraKernelArgs: ["vga=791"] } });
 * // "customization:\n    extraKernelArgs:\n        - vga=791\n"
 * ```
 */
export type GoYamlValue =
  | string
  | number
  | boolean
  | null
  | readonly GoYamlValue[]
  | { readonly [key: string]: GoYamlValue };

const INDENT = 4;

/** The YAML text of `value` (a map at the top level, as `yaml.Marshal` of a struct). */
export function goYaml(value: GoYamlValue): string {
  return block(value, 0).join("\n") + "\n";
}

function isCollection(v: GoYamlValue): v is readonly GoYamlValue[] | { readonly [key: string]: GoYamlValue } {
  return typeof v === "object" && v !== null;
}

function isEmpty(v: GoYamlValue): boolean {
  return Array.isArray(v) ? v.length === 0 : Object.keys(v as object).length === 0;
}

/**
 * libyaml's indentation as go-yaml changed it: a collection nested under a mapping key goes to the
 * next multiple of 4 past the key's column; the content of a sequence item starts 2 columns in,
 * right after "- ".
 */
function nextIndent(indent: number): number {
  return INDENT * Math.floor((indent + INDENT) / INDENT);
}

/** Lines of a non-empty collection whose first line starts at column `indent`. */
function block(value: GoYamlValue, indent: number): string[] {
  const pad = " ".repeat(indent);
  if (!isCollection(value) || isEmpty(value)) return [pad + inline(value, indent, indent)];
  const lines: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item) && !isEmpty(item)) {
        const inner = block(item, indent + 2);
        lines.push(pad + "- " + inner[0].slice(indent + 2), ...inner.slice(1));
      } else {
        lines.push(pad + "- " + inline(item, indent + 2, indent));
      }
    }
    return lines;
  }
  for (const [key, v] of Object.entries(value as Record<string, GoYamlValue>)) {
    // a key cannot be a block scalar: multi-line keys are double-quoted
    const k = key.includes("\n") ? doubleQuoted(key) : scalar(key, indent);
    if (isCollection(v) && !isEmpty(v)) {
      lines.push(`${pad}${k}:`, ...block(v, nextIndent(indent)));
    } else {
      lines.push(`${pad}${k}: ${inline(v, nextIndent(indent), indent)}`);
    }
  }
  return lines;
}

/** A scalar or empty collection on the current line. */
/** `indent`: where block content goes; `parent`: the column of the key or "- " it belongs to. */
function inline(value: GoYamlValue, indent: number, parent: number): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "[]";
  if (typeof value === "object") return "{}";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return numberText(value);
  return scalar(value, indent, parent);
}

function numberText(n: number): string {
  if (Number.isInteger(n)) return String(n);
  if (Number.isNaN(n)) return ".nan";
  if (!Number.isFinite(n)) return n > 0 ? "+.inf" : "-.inf";
  return String(n);
}

/** Strings YAML 1.1 readers take for booleans; go-yaml quotes them for compatibility. */
const OLD_BOOLS = new Set([
  "y",
  "Y",
  "yes",
  "Yes",
  "YES",
  "on",
  "On",
  "ON",
  "n",
  "N",
  "no",
  "No",
  "NO",
  "off",
  "Off",
  "OFF",
]);

/** True when a plain scalar with this text would not read back as the same string. */
function resolvesToNonString(s: string): boolean {
  if (s === "" || s === "~" || /^(null|Null|NULL)$/.test(s)) return true;
  if (/^(true|True|TRUE|false|False|FALSE)$/.test(s)) return true;
  if (OLD_BOOLS.has(s)) return true;
  if (/^[-+]?(\.inf|\.Inf|\.INF)$/.test(s) || /^(\.nan|\.NaN|\.NAN)$/.test(s)) return true;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(s) || /^[-+]?0[0-7_]+$/.test(s)) return true;
  if (/^0x[0-9a-fA-F_]+$/.test(s) || /^0o[0-7_]+$/.test(s) || /^0b[01_]+$/.test(s)) return true;
  if (/^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?$/.test(s) && /[0-9]/.test(s)) return true;
  if (/^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$/.test(s)) return true;
  // base 60 (sexagesimal) numbers, quoted by go-yaml for YAML 1.1 readers
  if (/^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/.test(s)) return true;
  return false;
}

/** Control characters other than tab, LF and CR: not printable in YAML. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return true;
  }
  return false;
}

/** libyaml's analysis: may this string be written plain in block context? */
function plainAllowed(s: string): boolean {
  if (s === "") return false;
  if (/^\s|\s$/.test(s)) return false;
  if (hasControl(s)) return false;
  if (s.startsWith("---") || s.startsWith("...")) return false;
  const first = s[0];
  if ("#,[]{}&*!|>'\"%@`".includes(first)) return false;
  if ("-?:".includes(first) && (s.length === 1 || /\s/.test(s[1]))) return false;
  if (/: |:$| #|\t/.test(s)) return false;
  return true;
}

/** The text of a string scalar as go-yaml writes it. */
function scalar(s: string, indent: number, parent = indent): string {
  if (s.includes("\n")) return literal(s, indent, parent);
  if (resolvesToNonString(s)) return doubleQuoted(s);
  if (plainAllowed(s)) return s;
  if (hasControl(s)) return doubleQuoted(s);
  return `'${s.replaceAll("'", "''")}'`;
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).toUpperCase().padStart(2, "0");
    else out += ch;
  }
  return out + '"';
}

/** A literal block scalar (`|`), as go-yaml writes multi-line strings in block context. */
function literal(s: string, indent: number, parent: number): string {
  const chomp = s.endsWith("\n") ? (s.endsWith("\n\n") ? "+" : "") : "-";
  const body = s.endsWith("\n") ? s.slice(0, -1) : s;
  // content starting with a space (or a blank first line) needs its indentation stated
  const indicator = /^[ \n]/.test(body) ? String(indent - parent) : "";
  const pad = " ".repeat(indent);
  const lines = body.split("\n").map((l) => (l === "" ? "" : pad + l));
  return `|${indicator}${chomp}\n${lines.join("\n")}`;
}

/**
 * go-yaml's order of map keys (`keyList.Less`): runs of digits compare as numbers, letters sort
 * before other characters after a digit and after them otherwise.
 */
export function goKeyCompare(a: string, b: string): number {
  const ar = Array.from(a), br = Array.from(b);
  const isDigit = (c: string) => c >= "0" && c <= "9";
  const isLetter = (c: string) => /\p{L}/u.test(c);
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) {
      digits = isDigit(ar[i]);
      continue;
    }
    const al = isLetter(ar[i]), bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i] ? -1 : 1;
    if (al || bl) return (digits ? al : bl) ? -1 : 1;
    let an = 0, bn = 0;
    if (ar[i] === "0" || br[i] === "0") {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== "0") {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i, bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return ar[i] < br[i] ? -1 : 1;
  }
  return ar.length === br.length ? 0 : ar.length < br.length ? -1 : 1;
}
