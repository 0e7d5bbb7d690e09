/**
 * Turns zod's issues into config issues a person can act on: located in the YAML, saying what is
 * wrong with the value given and what would be right ("did you mean" for unknown keys and enum
 * values, "quote it" for a number where text belongs, …).
 *
 * @example
 * ```ts
 * const result = ConfigSchema.safeParse(value, { reportInput: true });
 * if (!result.success) issues = translateIssues(result.error.issues, { schema: ConfigSchema, value, at });
 * ```
 */
import type { z } from "zod";
import { didYouMean } from "./did_you_mean.ts";
import { formatOfMessage, formatProblem, redactUrl } from "./formats.ts";
import type { ConfigIssue } from "./issues.ts";
import { formatPath, type PathKey, type SourcePositions } from "./positions.ts";

type Issue = z.core.$ZodIssue;

export interface TranslateContext {
  /** The schema the issues came from (for the keys it knows). */
  schema: z.ZodType;
  /** The value that was parsed. */
  value: unknown;
  at: SourcePositions;
}

/**
 * Every zod issue as one or more config issues. A required key reported missing is dropped when
 * an unknown key next to it is its misspelling: the "did you mean" says it all.
 */
export function translateIssues(
  issues: readonly Issue[],
  ctx: TranslateContext,
  prefix: PathKey[] = [],
): ConfigIssue[] {
  const out = issues.flatMap((issue) => translate(issue, ctx, prefix));
  const misspelt = new Set(out.flatMap((i) => i.code === "unknown-key" && i.meant ? [i.meant] : []));
  return out
    .filter((i) => !(misspelt.has(i.path) && /^is required/.test(i.message)))
    .map(({ meant: _, ...i }) => i);
}

/** A config issue; `meant` is the path an unknown key probably meant. */
type Translated = ConfigIssue & { meant?: string };

function translate(issue: Issue, ctx: TranslateContext, prefix: PathKey[]): Translated[] {
  const path = [...prefix, ...issue.path as PathKey[]];
  const input = "input" in issue ? issue.input : valueAt(ctx.value, path);
  const located = (message: string, hint?: string, key = false): ConfigIssue => ({
    path: formatPath(path),
    ...(key ? ctx.at.key(path) : ctx.at.value(path)),
    message,
    ...(hint ? { hint } : {}),
  });

  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => unknownKey(ctx, path, key));
    case "invalid_union": {
      const branch = bestBranch(issue, input);
      if (branch) return translateIssues(branch, ctx, path);
      if ("discriminator" in issue && issue.discriminator) {
        const options = (issue as { options?: unknown[] }).options?.map(String) ?? [];
        const given = valueAt(ctx.value, path);
        const discriminatorPath = issue.path.at(-1) === issue.discriminator
          ? path
          : [...path, issue.discriminator];
        const value = valueAt(ctx.value, discriminatorPath);
        return [{
          path: formatPath(discriminatorPath),
          ...ctx.at.value(discriminatorPath),
          message: withValue(`must be one of ${options.join(", ")}`, value ?? given),
          ...hintFor(typeof value === "string" ? didYouMean(value, options) : undefined),
        }];
      }
      return [located(withValue(issue.message, input))];
    }
    case "invalid_key": {
      const inner = issue.issues.map((i) => i.message).join("; ");
      return [
        located(
          `key ${show(path.at(-1))} ${inner.startsWith("must") ? inner : `is invalid: ${inner}`}`,
          undefined,
          true,
        ),
      ];
    }
    case "invalid_type":
      return [located(...typeProblem(issue, input))];
    case "invalid_value": {
      const values = issue.values.map(String);
      const message = isDefault(issue.message) ? `must be one of ${values.join(", ")}` : issue.message;
      const guess = typeof input === "string" ? didYouMean(input, values) : undefined;
      return [located(withValue(message, input), guess ? `did you mean ${guess}?` : undefined)];
    }
    case "too_small":
    case "too_big": {
      const message = isDefault(issue.message) ? bound(issue) : issue.message;
      return [
        located(issue.origin === "array" || issue.origin === "set" ? message : withValue(message, input)),
      ];
    }
    case "custom": {
      const hint = (issue.params as { hint?: string } | undefined)?.hint;
      return [located(withValue(issue.message, input), hint)];
    }
    default:
      return [located(withValue(issue.message, input))];
  }
}

/** An unknown key, with the closest known key, or the list of known keys. */
function unknownKey(ctx: TranslateContext, parent: PathKey[], key: string): Translated {
  const path = [...parent, key];
  const parentValue = valueAt(ctx.value, parent);
  const known = knownKeys(ctx.schema, parent, ctx.value);
  const absent = known.filter((k) => !(parentValue && typeof parentValue === "object" && k in parentValue));
  const guess = didYouMean(key, absent) ?? didYouMean(key, known);
  const secret = /(token|secret|passw(or)?d|passphrase|private.?key|credential|api.?key)/i.test(key);
  return {
    path: formatPath(path),
    ...ctx.at.key(path),
    message: `unknown key "${key}"`,
    hint: guess
      ? `did you mean "${guess}"?`
      : secret
      ? "secrets never go in the config file: strata reads them from the environment or layer 00's encrypted state"
      : known.length
      ? `known keys here: ${known.join(", ")}`
      : undefined,
    code: "unknown-key",
    ...(guess ? { meant: formatPath([...parent, guess]) } : {}),
  };
}

function typeProblem(issue: Extract<Issue, { code: "invalid_type" }>, input: unknown): [string, string?] {
  const expected = issue.expected === "int" ? "a whole number" : article(issue.expected);
  const custom = !isDefault(issue.message) ? issue.message : undefined;
  if (input === undefined) return [custom ?? `is required: ${expected}`];
  const message = custom ?? `must be ${expected}`;
  if (input === null) return [`is empty; it ${message}`];
  if (issue.expected === "string" && (typeof input === "number" || typeof input === "boolean")) {
    const format = custom ? formatOfMessage(custom) : undefined;
    const fix = format && formatProblem(format, String(input)) ? format.hint?.(String(input)) : undefined;
    return [withValue(message, input), fix ?? `quote it: "${String(input)}"`];
  }
  if (issue.expected === "boolean" && typeof input === "string") {
    const word = input.toLowerCase();
    const truth = ["yes", "y", "on", "true"].includes(word)
      ? "true"
      : ["no", "n", "off", "false"].includes(word)
      ? "false"
      : undefined;
    return [withValue(message, input), truth ? `write ${truth} without quotes` : "write true or false"];
  }
  if ((issue.expected === "number" || issue.expected === "int") && typeof input === "string") {
    const n = Number(input.trim());
    return [
      withValue(message, input),
      input.trim() && Number.isFinite(n) ? `write ${n} without quotes` : undefined,
    ];
  }
  if (issue.expected === "int" && typeof input === "number") {
    return [withValue(message, input), `use ${Math.floor(input)} or ${Math.ceil(input)}`];
  }
  return [withValue(message, input)];
}

/** zod's own messages start like this; ours say "must …" or "is …". */
function isDefault(message: string): boolean {
  return /^(Invalid|Too (small|big)|Expected|Unrecognized)/.test(message);
}

function bound(issue: Extract<Issue, { code: "too_small" | "too_big" }>): string {
  const small = issue.code === "too_small";
  const limit = Number(
    small ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum,
  );
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case "array":
    case "set":
      return small
        ? `needs at least ${limit} entr${limit === 1 ? "y" : "ies"}`
        : `takes at most ${limit} entries`;
    case "string":
      return small
        ? (limit === 1 ? "must not be empty" : `must be at least ${limit} characters`)
        : `must be at most ${limit} characters`;
    default:
      return small
        ? (inclusive ? `must be at least ${limit}` : `must be greater than ${limit}`)
        : (inclusive ? `must be at most ${limit}` : `must be less than ${limit}`);
  }
}

/** Appends the given value to a "must …" message, or puts it before an "is …/has …" one. */
export function withValue(message: string, input: unknown): string {
  if (input === undefined || /^is (required|empty)/.test(message)) return message;
  if (/^(must|needs|takes|should)\b/.test(message)) return `${message}, not ${show(input)}`;
  if (/^(is|has|holds)\b/.test(message)) return `${show(input)} ${message}`;
  return `${message} (got ${show(input)})`;
}

/** A value as it may be shown in a message (short; URL passwords hidden). */
export function show(value: unknown): string {
  if (value === null) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") {
    const cut = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(redactUrl(cut));
  }
  return String(value);
}

function article(type: string): string {
  if (type === "object") return "a mapping";
  if (type === "array") return "a list";
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function hintFor(guess: string | undefined): { hint?: string } {
  return guess ? { hint: `did you mean ${guess}?` } : {};
}

/**
 * For a union that failed every branch, the branch the value was meant for: the one whose issues
 * do not reject the value's type outright. Undefined when no branch fits better than another.
 */
function bestBranch(issue: Extract<Issue, { code: "invalid_union" }>, input: unknown): Issue[] | undefined {
  const fitting = issue.errors.filter((errors) =>
    errors.length > 0 && !errors.some((e) => e.path.length === 0 && e.code === "invalid_type")
  );
  if (fitting.length === 1) return fitting[0];
  if (Array.isArray(input)) return fitting.find((e) => e.some((i) => typeof i.path[0] === "number"));
  return undefined;
}

function valueAt(value: unknown, path: readonly PathKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PathKey, unknown>)[key];
  }
  return v;
}

// zod keeps a schema's definition in `_zod.def`; only the parts needed to list object keys are read
interface Def {
  type: string;
  innerType?: Schema;
  in?: Schema;
  shape?: Record<string, Schema>;
  element?: Schema;
  valueType?: Schema;
  options?: Schema[];
  discriminator?: string;
}
interface Schema {
  _zod: { def: Def };
}

/** The keys the schema allows in the mapping at `path` (for "did you mean"). */
export function knownKeys(schema: z.ZodType, path: readonly PathKey[], value: unknown): string[] {
  let current: Schema[] = [schema as unknown as Schema];
  for (let i = 0; i <= path.length; i++) {
    const here = valueAt(value, path.slice(0, i));
    current = current.flatMap((s) => objects(s, here));
    if (i === path.length) break;
    const key = path[i];
    current = current.flatMap((s) => {
      const def = s._zod.def;
      if (def.type === "object") return def.shape?.[String(key)] ? [def.shape[String(key)]] : [];
      if (def.type === "array" && typeof key === "number") return def.element ? [def.element] : [];
      if (def.type === "record") return def.valueType ? [def.valueType] : [];
      return [];
    });
  }
  return [...new Set(current.flatMap((s) => Object.keys(s._zod.def.shape ?? {})))];
}

/** The concrete schemas behind wrappers and unions, picking a union branch by its discriminator. */
function objects(schema: Schema, value: unknown): Schema[] {
  const def = schema._zod.def;
  if (def.innerType) return objects(def.innerType, value);
  if (def.type === "pipe" && def.in) return objects(def.in, value);
  if (def.type === "union" && def.options) {
    const all = def.options.flatMap((o) => objects(o, value));
    const d = def.discriminator;
    if (d && value && typeof value === "object" && d in value) {
      const chosen = all.filter((o) => {
        const lit = o._zod.def.shape?.[d]?._zod.def as { values?: unknown[] } | undefined;
        return lit?.values?.includes((value as Record<string, unknown>)[d]);
      });
      if (chosen.length) return chosen;
    }
    return Array.isArray(value) ? all.filter((o) => o._zod.def.type === "array") : all;
  }
  return [schema];
}
