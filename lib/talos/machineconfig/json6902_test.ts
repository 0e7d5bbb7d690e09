import { assertEquals, assertMatch } from "../../../tests/testing.ts";
import { applyJsonPatch } from "./json6902.ts";
import { PatchError } from "./strategic.ts";
import type { JsonPatchOperation } from "./types.ts";

// RFC 6902 appendix A examples
const cases: [Record<string, unknown>, JsonPatchOperation[], unknown][] = [
  [{ foo: "bar" }, [{ op: "add", path: "/baz", value: "qux" }], { baz: "qux", foo: "bar" }],
  [{ foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/1", value: "qux" }], { foo: ["bar", "qux", "baz"] }],
  [{ baz: "qux", foo: "bar" }, [{ op: "remove", path: "/baz" }], { foo: "bar" }],
  [{ foo: ["bar", "qux", "baz"] }, [{ op: "remove", path: "/foo/1" }], { foo: ["bar", "baz"] }],
  [{ baz: "qux", foo: "bar" }, [{ op: "replace", path: "/baz", value: "boo" }], { baz: "boo", foo: "bar" }],
  [
    { foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } },
    [{ op: "move", from: "/foo/waldo", path: "/qux/thud" }],
    { foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } },
  ],
  [{ foo: ["all", "grass", "cows", "eat"] }, [{ op: "move", from: "/foo/1", path: "/foo/3" }], {
    foo: ["all", "cows", "eat", "grass"],
  }],
  [{ foo: "bar" }, [{ op: "add", path: "/child", value: { grandchild: {} } }], {
    foo: "bar",
    child: { grandchild: {} },
  }],
  [{ foo: ["bar"] }, [{ op: "add", path: "/foo/-", value: ["abc", "def"] }], {
    foo: ["bar", ["abc", "def"]],
  }],
  [{ "/": 9, "~1": 10 }, [{ op: "test", path: "/~01", value: 10 }, { op: "copy", from: "/~1", path: "/x" }], {
    "/": 9,
    "~1": 10,
    x: 9,
  }],
  [{ baz: "qux", foo: ["a", 2, "c"] }, [{ op: "test", path: "/baz", value: "qux" }, {
    op: "test",
    path: "/foo/1",
    value: 2,
  }], { baz: "qux", foo: ["a", 2, "c"] }],
];

/** Key order does not matter in JSON documents. */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

Deno.test("RFC 6902 appendix A: the examples apply", () => {
  for (const [doc, ops, expected] of cases) {
    assertEquals(sorted(applyJsonPatch(doc, ops)), sorted(expected), JSON.stringify(ops));
  }
});

Deno.test("RFC 6902: errors name the operation; the input is never changed", () => {
  const fails: [Record<string, unknown>, JsonPatchOperation[], RegExp][] = [
    [
      { baz: "qux" },
      [{ op: "test", path: "/baz", value: "bar" }],
      /operation 0 \(test \/baz\): \/baz is "qux", not "bar"/,
    ],
    [
      { foo: "bar" },
      [{ op: "add", path: "/baz/bat", value: "qux" }],
      /operation 0 \(add \/baz\/bat\): \/baz\/bat: baz does not exist/,
    ],
    [{ foo: "bar" }, [{ op: "remove", path: "/nope" }], /\/nope does not exist/],
    [{ foo: ["a"] }, [{ op: "replace", path: "/foo/3", value: 1 }], /index 3 is out of range/],
    [{ foo: { a: 1 } }, [{ op: "move", from: "/foo", path: "/foo/b" }], /cannot move \/foo into itself/],
    [{ foo: "bar" }, [{ op: "add", path: "foo", value: 1 }], /path must start with "\/"/],
  ];
  for (const [doc, ops, re] of fails) {
    const before = JSON.stringify(doc);
    try {
      applyJsonPatch(doc, ops);
      throw new Error("expected a failure");
    } catch (err) {
      if (!(err instanceof PatchError)) throw err;
      assertMatch(err.message, re);
    }
    assertEquals(JSON.stringify(doc), before);
  }
});
