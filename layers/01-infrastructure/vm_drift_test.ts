import { assertEquals } from "../../tests/testing.ts";
import { driveSizeBytes, memoryMiB, vmDrift } from "./vm_drift.ts";

Deno.test("sizes and memory as PVE writes them", () => {
  assertEquals(driveSizeBytes("local-lvm:vm-1101-disk-0,discard=on,iothread=1,size=32G"), 32 * 1024 ** 3);
  assertEquals(driveSizeBytes("local-lvm:vm-1101-disk-0,size=512M"), 512 * 1024 ** 2);
  assertEquals(driveSizeBytes("local-lvm:vm-1101-disk-0,size=41"), 41);
  assertEquals(driveSizeBytes("local-lvm:vm-1101-disk-0"), 0);
  assertEquals([memoryMiB("4096"), memoryMiB("current=8192"), memoryMiB(2048), memoryMiB(undefined)], [
    4096,
    8192,
    2048,
    512,
  ]);
});

Deno.test("drift: cores and memory to change, the disk to grow, never to shrink", () => {
  const config = { cores: 2, memory: "4096", scsi0: "local-lvm:vm-1101-disk-0,size=32G", digest: "x" };
  assertEquals(vmDrift(config, { cores: 2, memoryMiB: 4096, diskGiB: 32 }, "scsi0"), {
    changes: {},
    growDisk: false,
    diskLarger: false,
    diskBytes: 32 * 1024 ** 3,
  });
  const grown = vmDrift(config, { cores: 4, memoryMiB: 6144, diskGiB: 40 }, "scsi0");
  assertEquals([grown.changes, grown.growDisk], [{ cores: 4, memory: 6144 }, true]);
  const shrunk = vmDrift(config, { cores: 2, memoryMiB: 4096, diskGiB: 20 }, "scsi0");
  assertEquals([shrunk.growDisk, shrunk.diskLarger], [false, true]);
});
