import { assertEquals } from "../../tests/testing.ts";
import { canonicalJson, perlPrettyJson, perlYaml, printApiResult, textTable } from "./pveum_format.ts";

Deno.test("text tables: sorted by the first column, numbers right-aligned, multi-line cells, ASCII quirk", () => {
  const props = { name: { type: "string" }, n: { type: "integer" }, note: { type: "string", optional: 1 } };
  const rows = [{ name: "b", n: 10, note: "x\ny" }, { name: "a", n: 2 }];
  assertEquals(
    textTable(rows, props, ["name", "n", "note"], {}, { utf8: true }),
    [
      "┌──────┬────┬──────┐",
      "│ name │  n │ note │",
      "╞══════╪════╪══════╡",
      "│ a    │  2 │      │",
      "├──────┼────┼──────┤",
      "│ b    │ 10 │ x    │",
      "│      │    │ y    │",
      "└──────┴────┴──────┘",
      "",
    ].join("\n"),
  );
  // a single ASCII column: PVE's header rule has no closing '+'
  assertEquals(
    textTable([{ v: "abc" }], {}, ["v"], {}, { utf8: false }),
    "+-----+\n| v   |\n+=====\n| abc |\n+-----+\n",
  );
  assertEquals(
    textTable(rows, props, ["name", "n"], { noheader: 1 }, { utf8: true }).split("\n")[1],
    "│ a    │  2 │",
  );
});

Deno.test("json is canonical, json-pretty is Perl's pretty style, yaml is block style", () => {
  const data = { b: [1, { d: "x", c: [] }], a: {} };
  assertEquals(canonicalJson(data), '{"a":{},"b":[1,{"c":[],"d":"x"}]}');
  assertEquals(
    perlPrettyJson(data),
    '{\n   "a" : {},\n   "b" : [\n      1,\n      {\n         "c" : [],\n         "d" : "x"\n      }\n   ]\n}',
  );
  assertEquals(
    perlYaml([{ userid: "a@pve", comment: "x: y", enable: 1 }]),
    "---\n- comment: 'x: y'\n  enable: 1\n  userid: a@pve\n",
  );
  assertEquals(perlYaml([]), "--- []\n");
});

Deno.test("printApiResult: null results print nothing, empty lists print nothing as text but [] as json", () => {
  assertEquals(printApiResult(null, { type: "null" }, { "output-format": "json" }, { utf8: true }), "");
  const list = { type: "array", items: { type: "object", properties: { a: { type: "string" } } } };
  assertEquals(printApiResult([], list, {}, { utf8: true }), "");
  assertEquals(printApiResult([], list, { "output-format": "json" }, { utf8: true }), "[]\n");
  assertEquals(printApiResult([{ a: "x" }], list, { quiet: 1 }, { utf8: true }), "");
});
