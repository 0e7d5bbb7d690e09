import { z } from "zod";
import { assertEquals } from "../../tests/testing.ts";
import { flag, fraction, listOf, oneOf, section, text, wholeNumber } from "./schema_parts.ts";

const messages = (schema: z.ZodType, value: unknown) => {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

Deno.test("a missing value or a wrong type says what is expected; other issues keep zod's detail", () => {
  const port = wholeNumber(1, 65535, "a TCP port");
  assertEquals(messages(port, undefined), ["is required: a TCP port (1-65535)"]);
  assertEquals(messages(port, "22"), ["must be a TCP port (1-65535)"]);
  assertEquals(messages(port, 2.5), ["must be a whole number (a TCP port)"]);
  assertEquals(messages(port, 0)[0].startsWith("Too small"), true);
  assertEquals(messages(fraction(0, 1, "a probability"), "x"), ["must be a probability (0-1)"]);
  assertEquals(messages(flag(), "yes"), ["must be true or false"]);
  assertEquals(messages(text("a storage id"), ""), ["must not be empty (a storage id)"]);
  assertEquals(messages(oneOf(["a", "b"], "letters"), "c"), ["must be one of a, b (letters)"]);
  assertEquals(messages(listOf(z.string(), "patch", 1), []), ["needs at least 1 patch"]);
  assertEquals(messages(listOf(z.string(), "patch"), "x"), ["must be a list of patches"]);
  assertEquals(messages(listOf(z.string(), "host"), {}), ["must be a list of hosts"]);
  assertEquals(messages(section({ a: z.string() }, "the thing"), 3), ["must be a mapping (the thing)"]);
  assertEquals(messages(section({ a: z.string().optional() }, "the thing"), { b: 1 }).length, 1);
});
