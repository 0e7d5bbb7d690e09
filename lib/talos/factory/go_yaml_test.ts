import { assertEquals } from "../../../tests/testing.ts";
import { goKeyCompare, goYaml } from "./go_yaml.ts";

Deno.test("go-yaml layout: nested maps to the next multiple of 4, sequence item content after '- '", () => {
  assertEquals(
    goYaml({ a: { b: [{ c: "d", e: { f: ["g"] } }], h: [] }, i: {} }),
    "a:\n    b:\n        - c: d\n          e:\n            f:\n                - g\n    h: []\ni: {}\n",
  );
});

Deno.test("go-yaml scalars: plain, quoted when YAML would read something else, literal blocks", () => {
  assertEquals(
    goYaml({
      plain: "factory.talos.dev/installer/x:v1.13.9",
      empty: "",
      number: "150",
      float: "1.5",
      bool: "true",
      yes: "yes",
      colon: "a: b",
      hash: "#x",
      brace: "{x}",
      quote: "it's: x",
      ip: "10.0.3.10",
      multi: "a\nb\n",
      n: 7,
      t: true,
    }),
    [
      "plain: factory.talos.dev/installer/x:v1.13.9",
      'empty: ""',
      'number: "150"',
      'float: "1.5"',
      'bool: "true"',
      '"yes": "yes"', // go-yaml quotes YAML 1.1 booleans, keys too
      "colon: 'a: b'",
      "hash: '#x'",
      "brace: '{x}'",
      "quote: 'it''s: x'",
      "ip: 10.0.3.10",
      "multi: |",
      "    a",
      "    b",
      '"n": 7',
      "t: true",
      "",
    ].join("\n"),
  );
});

Deno.test("go-yaml key order: digits compare as numbers", () => {
  assertEquals(["b", "a10", "a2", "A", "a"].sort(goKeyCompare), ["A", "a", "a2", "a10", "b"]);
});

Deno.test("go-yaml output reads back as the same data (seeded random strings and shapes)", async () => {
  const { parse } = await import("yaml");
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const alphabet = [
    "a",
    "Z",
    "0",
    "9",
    " ",
    ":",
    "#",
    "-",
    "?",
    "'",
    '"',
    "\\",
    "{",
    "}",
    "[",
    "]",
    ",",
    "&",
    "*",
    "!",
    "|",
    ">",
    "%",
    "@",
    "`",
    ".",
    "\n",
    "\t",
    "é",
    "/",
    "=",
  ];
  const str = () => Array.from({ length: rand(12) }, () => alphabet[rand(alphabet.length)]).join("");
  for (let i = 0; i < 2000; i++) {
    const value = { [str() || "k"]: str(), list: [str(), { [str() || "x"]: str() }], n: rand(1000) };
    assertEquals(parse(goYaml(value)), value, JSON.stringify(value));
  }
});
