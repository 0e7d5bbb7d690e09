import assert from "node:assert/strict";
import { parseJsonc } from "./jsonc.ts";

Deno.test("parseJsonc strips comments and trailing commas but not inside strings", () => {
  assert.deepEqual(
    parseJsonc(
      '{\n // c\n "url": "https://x//y", /* b */ "list": [1, 2,],\n "s": "a\\"//b",\n}',
    ),
    { url: "https://x//y", list: [1, 2], s: 'a"//b' },
  );
  assert.throws(() => parseJsonc("{ nope }"));
});
