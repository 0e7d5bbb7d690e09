import { assertEquals } from "../../tests/testing.ts";
import { labHost } from "../../tests/proxmox/lab_host.ts";
import { vmBoots } from "./boots.ts";

Deno.test("VM starts reach the world's boot stream; running VMs are listed with their address", async () => {
  const t = await labHost({ foreignVms: [{ vmid: 999, name: "grafana" }] });
  try {
    const seen: number[] = [];
    const stop = vmBoots(t.world).subscribe((b) => seen.push(b.vmid));
    vmBoots(t.world).emit({ host: "pve1", vmid: 1, at: 0 });
    stop();
    vmBoots(t.world).emit({ host: "pve1", vmid: 2, at: 0 });
    assertEquals(seen, [1]);
    await t.api.createVm("pve1", {
      vmid: 1400,
      ipconfig0: "ip=10.0.1.40/16,gw=10.0.0.1",
      net0: "virtio=BC:24:11:00:14:00,bridge=vmbr0",
    });
    await t.api.startVm("pve1", 1400);
    const running = vmBoots(t.world).running().map(({ at: _, ...b }) => b);
    assertEquals(running, [
      { host: "pve1", vmid: 999, ip: undefined, mac: "BC:24:11:AA:03:E7" },
      { host: "pve1", vmid: 1400, ip: "10.0.1.40", mac: "BC:24:11:00:14:00" },
    ]);
  } finally {
    await t.close();
  }
});
