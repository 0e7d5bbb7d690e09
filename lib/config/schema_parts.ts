/**
 * Small schema builders shared by the config sections: whole numbers, booleans, enums and
 * strict objects, each with messages that say what a right value is.
 *
 * @example
 * ```ts
 * const port = wholeNumber(1, 65535, "a TCP port").default(22);
 * ```
 */
import { z } from "zod";
import { typeMessage } from "./formats.ts";

/** The message for a missing value or a value of the wrong type; other issues keep their own. */
const typeError = (what: string) => (issue: { code?: string; input?: unknown }) =>
  issue.code === "invalid_type" ? typeMessage(what, issue.input) : undefined;

/** A whole number in `[min, max]`. */
export function wholeNumber(min: number, max: number, what = "a whole number") {
  return z.number({ error: typeError(`${what} (${min}-${max})`) })
    .int({ error: `must be a whole number (${what})` })
    .min(min).max(max);
}

/** A number in `[min, max]`, fractions allowed. */
export function fraction(min: number, max: number, what: string) {
  return z.number({ error: typeError(`${what} (${min}-${max})`) }).min(min).max(max);
}

/** true or false. */
export function flag() {
  return z.boolean({ error: typeError("true or false") });
}

/** One of `values`; `note` says what they mean, in the message for a wrong value. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, note?: string) {
  const expect = `one of ${values.join(", ")}${note ? ` (${note})` : ""}`;
  return z.enum(values, { error: (issue) => typeMessage(expect, issue.input) });
}

/** Any non-empty text. */
export function text(what: string) {
  return z.string({ error: typeError(what) })
    .min(1, { error: `must not be empty (${what})` });
}

/** A list; `what` names one entry for the "at least one" message. */
export function listOf<T extends z.ZodType>(item: T, what: string, min = 0) {
  const plural = /(ch|sh|s|x)$/.test(what) ? `${what}es` : `${what}s`;
  const list = z.array(item, { error: typeError(`a list of ${plural}`) });
  return min > 0 ? list.min(min, { error: `needs at least ${min} ${what}` }) : list;
}

/** A mapping that rejects unknown keys (typos are errors). */
export function section<T extends z.core.$ZodLooseShape>(shape: T, what: string) {
  return z.strictObject(shape, { error: typeError(`a mapping (${what})`) });
}
