import { assertEquals } from "../../tests/testing.ts";
import { didYouMean, editDistance } from "./did_you_mean.ts";

Deno.test("editDistance counts insertions, deletions, substitutions and neighbour swaps as one", () => {
  assertEquals(editDistance("memory", "memory"), 0);
  assertEquals(editDistance("memroy", "memory"), 1);
  assertEquals(editDistance("fats", "fast"), 1);
  assertEquals(editDistance("nodes", "node"), 1);
  assertEquals(editDistance("kitten", "sitting"), 3);
  assertEquals(editDistance("", "abc"), 3);
});

Deno.test("didYouMean suggests close words only, ignoring case", () => {
  assertEquals(didYouMean("memroy", ["memory", "cores"]), "memory");
  assertEquals(didYouMean("cputype", ["cpuType", "diskBus"]), "cpuType");
  assertEquals(didYouMean("netwrok", ["network", "nodes"]), "network");
  assertEquals(didYouMean("fats", ["fast", "realistic"]), "fast");
  assertEquals(didYouMean("MX", ["A", "AAAA", "CNAME", "TXT"]), undefined);
  assertEquals(didYouMean("kvm64", ["host", "x86-64-v2-AES"]), undefined);
  assertEquals(didYouMean("anything", []), undefined);
});
