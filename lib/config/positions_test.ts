import { LineCounter, parseDocument } from "yaml";
import { assertEquals } from "../../tests/testing.ts";
import { formatPath, parsePath, SourcePositions } from "./positions.ts";

const TEXT = `cluster:
  name: homelab
nodes:
  - name: cp-1
    memory: 4GiB
  - { name: cp-2, memory: 1GiB }
labels:
  topology.kubernetes.io/zone: rack-1
`;

function positions(text = TEXT): SourcePositions {
  const lineCounter = new LineCounter();
  return new SourcePositions(parseDocument(text, { lineCounter }), lineCounter);
}

Deno.test("value and key positions, in block and flow style", () => {
  const at = positions();
  assertEquals(at.value(["cluster", "name"]), { line: 2, column: 9 });
  assertEquals(at.key(["cluster", "name"]), { line: 2, column: 3 });
  assertEquals(at.value(["nodes", 0, "memory"]), { line: 5, column: 13 });
  assertEquals(at.value(["nodes", 1, "memory"]), { line: 6, column: 27 });
  assertEquals(at.key(["nodes", 1, "memory"]), { line: 6, column: 19 });
  assertEquals(at.key(["labels", "topology.kubernetes.io/zone"]), { line: 8, column: 3 });
});

Deno.test("a missing path points at the deepest part that exists", () => {
  const at = positions();
  assertEquals(at.value(["nodes", 1, "ip"]), { line: 6, column: 5 });
  assertEquals(at.value(["nodes", 7, "ip"]), { line: 4, column: 3 });
  assertEquals(at.key(["cluster", "nmae"]), { line: 2, column: 3 });
  assertEquals(at.value(["network"]), { line: 1, column: 1 });
});

Deno.test("pathAt finds the key or value holding an offset", () => {
  const at = positions();
  assertEquals(at.pathAt(TEXT.indexOf("1GiB")), ["nodes", 1, "memory"]);
  assertEquals(at.pathAt(TEXT.indexOf("name: homelab")), ["cluster", "name"]);
  assertEquals(at.pathAt(TEXT.indexOf("rack-1")), ["labels", "topology.kubernetes.io/zone"]);
  assertEquals(at.pathAt(0), ["cluster"]);
});

Deno.test("formatPath and parsePath are inverses, quoting keys with dots", () => {
  for (
    const path of [
      ["nodes", 2, "memory"],
      ["talos", "patches", "nodes", "cp-1", 0],
      ["nodes", 3, "labels", "topology.kubernetes.io/zone"],
      ["nodes", 3, "labels", 'a "quoted" key'],
    ]
  ) {
    assertEquals(parsePath(formatPath(path)), path);
  }
  assertEquals(formatPath(["nodes", 2, "memory"]), "nodes[2].memory");
  assertEquals(
    formatPath(["labels", "topology.kubernetes.io/zone"]),
    'labels["topology.kubernetes.io/zone"]',
  );
  assertEquals(formatPath([]), "");
});
