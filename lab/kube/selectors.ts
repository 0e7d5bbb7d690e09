/**
 * Label and field selectors: the `labelSelector` / `fieldSelector` query syntax
 * (`app=web,tier in (a,b),!canary`, `spec.nodeName=n1,status.phase!=Failed`) and the
 * `LabelSelector` objects of workloads (`matchLabels`, `matchExpressions`).
 *
 * @example
 * ```ts
 * parseLabelSelector("app=web,tier notin (db)").matches({ app: "web", tier: "fe" }); // true
 * ```
 */
import { ApiError } from "./status.ts";
import { isObject } from "./types.ts";

type Op = "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";
interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

export class LabelSelector {
  constructor(readonly requirements: Requirement[]) {}

  static everything(): LabelSelector {
    return new LabelSelector([]);
  }

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Record<string, string> | undefined): boolean {
    const l = labels ?? {};
    return this.requirements.every((r) => {
      const has = Object.hasOwn(l, r.key);
      const v = l[r.key];
      switch (r.op) {
        case "=":
        case "in":
          return has && r.values.includes(v);
        case "!=":
        case "notin":
          return !has || !r.values.includes(v);
        case "exists":
          return has;
        case "!":
          return !has;
        case "gt":
          return has && Number(v) > Number(r.values[0]);
        case "lt":
          return has && Number(v) < Number(r.values[0]);
      }
    });
  }
}

const TOKEN = /\s*(!=|==|=|\(|\)|,|!|>|<|[^\s!=(),<>]+)/y;

/** Parses a `labelSelector` query; a syntax error is 400 BadRequest as on the real server. */
export function parseLabelSelector(text: string | null | undefined): LabelSelector {
  if (!text || !text.trim()) return LabelSelector.everything();
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < text.length && (m = TOKEN.exec(text))) tokens.push(m[1]);
  if (text.slice(TOKEN.lastIndex).trim()) {
    throw ApiError.badRequest(`unable to parse requirement: found unexpected input in '${text}'`);
  }
  let i = 0;
  const reqs: Requirement[] = [];
  const fail = (why: string): never => {
    throw ApiError.badRequest(`unable to parse requirement: ${why}`);
  };
  while (i < tokens.length) {
    let key: string;
    if (tokens[i] === "!") {
      key = tokens[++i] ?? fail("found '', expected: identifier");
      reqs.push({ key, op: "!", values: [] });
      i++;
    } else {
      key = tokens[i++];
      if (/^[!=(),<>]/.test(key)) fail(`found '${key}', expected: !, identifier, or 'end of string'`);
      const op = tokens[i];
      if (op === undefined || op === ",") {
        reqs.push({ key, op: "exists", values: [] });
      } else if (op === "=" || op === "==" || op === "!=" || op === ">" || op === "<") {
        const value = tokens[i + 1];
        const atEnd = value === undefined || value === ",";
        if ((op === ">" || op === "<") && (atEnd || !/^-?\d+$/.test(value))) {
          fail(`for 'Gt', 'Lt' operators, exactly one value is required`);
        }
        reqs.push({
          key,
          op: op === "!=" ? "!=" : op === ">" ? "gt" : op === "<" ? "lt" : "=",
          values: [atEnd ? "" : value],
        });
        i += atEnd ? 1 : 2;
      } else if (op === "in" || op === "notin") {
        if (tokens[i + 1] !== "(") fail(`found '${tokens[i + 1] ?? ""}', expected: '('`);
        i += 2;
        const values: string[] = [];
        while (tokens[i] !== ")") {
          if (tokens[i] === undefined) fail("found '', expected: ')'");
          if (tokens[i] !== ",") values.push(tokens[i]);
          i++;
        }
        i++;
        reqs.push({ key, op, values });
      } else {
        fail(`found '${op}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    }
    if (i < tokens.length) {
      if (tokens[i] !== ",") fail(`found '${tokens[i]}', expected: ',' or 'end of string'`);
      i++;
    }
  }
  return new LabelSelector(reqs);
}

/** A workload's `LabelSelector` object (matchLabels + matchExpressions). */
export function selectorFromObject(sel: unknown): LabelSelector {
  if (!isObject(sel)) return new LabelSelector([{ key: "", op: "exists", values: [] }]); // matches nothing
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries((sel.matchLabels ?? {}) as Record<string, string>)) {
    reqs.push({ key: k, op: "=", values: [v] });
  }
  for (const e of (sel.matchExpressions ?? []) as { key: string; operator: string; values?: string[] }[]) {
    const op =
      ({ In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" } as const)[e.operator as "In"];
    if (op) reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return new LabelSelector(reqs);
}

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

/** Parses a `fieldSelector` query (`a=b,c!=d`; `\,` escapes a comma). */
export function parseFieldSelector(text: string | null | undefined): FieldRequirement[] {
  if (!text || !text.trim()) return [];
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\" && i + 1 < text.length) {
      cur += text[++i];
    } else if (text[i] === ",") {
      parts.push(cur);
      cur = "";
    } else cur += text[i];
  }
  parts.push(cur);
  return parts.map((p) => {
    const m = /^([^=!]+)(==|!=|=)(.*)$/.exec(p.trim());
    if (!m) throw ApiError.badRequest(`invalid selector: '${text}'; can't understand '${p}'`);
    return { field: m[1].trim(), op: m[2] === "!=" ? "!=" : "=", value: m[3] };
  });
}
