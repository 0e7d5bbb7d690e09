import { assertEquals } from "../../tests/testing.ts";
import { shellCommand, shellQuote, shellSplit } from "./quote.ts";

Deno.test("arguments are quoted for the shell and split back identically", () => {
  const args = [
    "pveum",
    "user",
    "add",
    "strata@pve",
    "--comment",
    'it\'s "ours"; rm -rf / $(x) `y` \\ *',
    "",
  ];
  assertEquals(shellSplit(shellCommand(args)), args);
  assertEquals(
    shellCommand(["pveum", "acl", "modify", "/", "--tokens", "strata@pve!ci"]),
    "pveum acl modify / --tokens 'strata@pve!ci'",
  );
  assertEquals(shellQuote("a b"), "'a b'");
  assertEquals(shellQuote(""), "''");
  assertEquals(shellQuote("it's"), `'it'\\''s'`);
});
