import { assertEquals } from "../../tests/testing.ts";
import { Findings } from "./findings.ts";

Deno.test("findings keep errors and warnings apart, with hints and key placement only when given", () => {
  const found = new Findings();
  found.error("nodes[1].vmid", "duplicate vmid", "give every node its own vmid");
  found.error("talos.patches.nodes.x", "not a node", undefined, { atKey: true });
  found.warn("nodes", "even");
  assertEquals(found.errors, [
    { path: "nodes[1].vmid", message: "duplicate vmid", hint: "give every node its own vmid" },
    { path: "talos.patches.nodes.x", message: "not a node", atKey: true },
  ]);
  assertEquals(found.warnings, [{ path: "nodes", message: "even" }]);
});
