import { assertEquals } from "../../tests/testing.ts";
import { encodeText, formatSize, makeUpid, parseUpid, sizeBytes } from "./host.ts";

Deno.test("UPIDs have PVE's format and parse back", () => {
  const fields = {
    node: "pve1",
    pid: 0x10d94,
    pstart: 0x1ca6ea,
    starttime: 0x6124e1b9,
    type: "vzdump",
    id: "100",
    user: "root@pam",
  };
  const upid = makeUpid(fields);
  // the example in pve-docs pvenode.adoc
  assertEquals(upid, "UPID:pve1:00010D94:001CA6EA:6124E1B9:vzdump:100:root@pam:");
  assertEquals(parseUpid(upid), fields);
  assertEquals(parseUpid("UPID:pve1:1:2:3:x:y:z:"), undefined);
  assertEquals(parseUpid(makeUpid({ ...fields, user: "strata@pve!strata" }))?.user, "strata@pve!strata");
});

Deno.test("sizes: PVE's binary units in, format_size out", () => {
  assertEquals(sizeBytes("32G"), 32 * 1024 ** 3);
  assertEquals(sizeBytes("+512M"), 512 * 1024 ** 2);
  assertEquals(sizeBytes("4096"), 4096);
  assertEquals([formatSize(32 * 1024 ** 3), formatSize(4 * 1024 ** 2), formatSize(1536), formatSize(41)], [
    "32G",
    "4M",
    "1536",
    "41",
  ]);
  assertEquals(formatSize(2 * 1024 ** 4), "2T");
});

Deno.test("worker ids escape ':' and '%' as encode_text does", () => {
  assertEquals(encodeText("talos-v1.13.9.raw"), "talos-v1.13.9.raw");
  assertEquals(encodeText("a:b%c"), "a%3Ab%25c");
});
