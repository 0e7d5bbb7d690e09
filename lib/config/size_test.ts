import { assertEquals } from "../../tests/testing.ts";
import { formatMiB, sizeToMiB } from "./size.ts";

Deno.test("sizeToMiB reads binary units and nothing else", () => {
  assertEquals(sizeToMiB("512MiB"), 512);
  assertEquals(sizeToMiB("8GiB"), 8192);
  assertEquals(sizeToMiB("1.5GiB"), 1536);
  assertEquals(sizeToMiB("1TiB"), 1024 * 1024);
  for (const bad of ["8GB", "8G", "8", "GiB", "8 GiB", "-1GiB"]) assertEquals(sizeToMiB(bad), undefined, bad);
});

Deno.test("formatMiB picks the largest whole unit", () => {
  assertEquals([512, 1024, 1536, 2048, 1024 * 1024, 1024 * 1024 + 1024].map(formatMiB), [
    "512MiB",
    "1GiB",
    "1536MiB",
    "2GiB",
    "1TiB",
    "1025GiB",
  ]);
});
