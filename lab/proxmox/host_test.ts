import { assertEquals } from "../../tests/testing.ts";
import { makeUpid, parseUpid, sizeBytes } from "./host.ts";

Deno.test("UPIDs have PVE's format and parse back", () => {
  const upid = makeUpid("pve1", 0x10d94, 0x1ca6ea, 0x6124e1b9, "vzdump", "100", "root@pam");
  // the example in pve-docs pvenode.adoc
  assertEquals(upid, "UPID:pve1:00010D94:001CA6EA:6124E1B9:vzdump:100:root@pam:");
  assertEquals(parseUpid(upid), { node: "pve1", type: "vzdump", id: "100", user: "root@pam" });
  assertEquals(parseUpid("UPID:pve1:1:2:3:x:y:z:"), undefined);
});

Deno.test("disk sizes use PVE's binary units", () => {
  assertEquals(sizeBytes("32G"), 32 * 1024 ** 3);
  assertEquals(sizeBytes("+512M"), 512 * 1024 ** 2);
});
