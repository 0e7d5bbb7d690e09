import { assertEquals } from "../../tests/testing.ts";
import { type CliTree, runCli, shortUsage, splitList } from "./pveum_cli.ts";

const seen: Record<string, unknown>[] = [];
const tree: CliTree = {
  thing: {
    set: {
      method: {
        api: "PUT /x",
        parameters: {
          id: { type: "string" },
          flag: { type: "boolean", optional: 1 },
          name: { type: "string", optional: 1, maxLength: 3 },
          list: { type: "string", optional: 1, format: "word-list" },
        },
        returns: { type: "null" },
        code: (p) => seen.push(p),
      },
      args: ["id"],
    },
  },
};
const formats = {
  word: (v: string) => {
    if (!/^\w+$/.test(v)) throw new Error(`bad word '${v}'\n`);
  },
};
const run = (...argv: string[]) => runCli(tree, argv, { utf8: true }, formats);

Deno.test("Getopt: a boolean takes a value only when one follows; `--` ends options; lists accumulate", () => {
  seen.length = 0;
  assertEquals(run("thing", "set", "--flag", "--name", "ab", "x").code, 0);
  assertEquals(run("thing", "set", "--flag", "no", "--", "--weird-id").code, 0);
  assertEquals(run("th", "set", "y", "--list", "a", "--list", "b,c").code, 0);
  assertEquals(seen, [{ flag: 1, name: "ab", id: "x" }, { flag: 0, id: "--weird-id" }, {
    list: "a,b,c",
    id: "y",
  }]);
});

Deno.test("validation errors name the parameter; a missing option value fails parsing", () => {
  assertEquals(
    run("thing", "set", "x", "--name", "abcd", "--list", "a,b-c").stderr,
    "400 Parameter verification failed.\nlist: invalid format - bad word 'b-c'\n\nname: value may only be 3 characters long\n" +
      "pveum thing set <id> [OPTIONS]\n",
  );
  assertEquals(
    run("thing", "set", "x", "--name").stderr,
    "Option name requires an argument\n400 unable to parse option\npveum thing set <id> [OPTIONS]\n",
  );
  assertEquals(
    shortUsage((tree.thing as CliTree).set as never, "pveum thing set"),
    "pveum thing set <id> [OPTIONS]\n",
  );
  assertEquals(splitList(" a,b;c  d "), ["a", "b", "c", "d"]);
});
