/** The lab registration: started with the lab's clock and world, following VM power events, closed cleanly. */
import assert from "node:assert/strict";
import { ScaledClock } from "../../lib/clock/clock.ts";
import type { ClusterConfig } from "../../lib/config/schema.ts";
import { TalosClient } from "../../lib/talos/api/client.ts";
import { waitFor } from "../../lib/talos/api/wait.ts";
import { Faults } from "../faults.ts";
import type { LabRuntime } from "../mod.ts";
import { PROFILES } from "../profile.ts";
import { seededRandom } from "../random.ts";
import { TraceLog } from "../trace.ts";
import { LabWorld } from "../world.ts";
import { vmBoots } from "../proxmox/boots.ts";
import { talosEmulator, talosLabFor } from "./register.ts";

Deno.test("talosEmulator starts a Talos lab that VM starts boot into and VM stops shut down", async () => {
  const clock = new ScaledClock(20);
  const lab = {
    world: LabWorld.memory(),
    clock,
    profile: PROFILES.fast,
    random: seededRandom(1),
    trace: new TraceLog(),
    faults: () => new Faults(),
  } as unknown as LabRuntime;
  const config = { talos: { version: "v1.13.9" } } as ClusterConfig;
  const [handle] = await talosEmulator.start(lab, config);
  try {
    assert.ok(talosLabFor(lab));
    vmBoots(lab.world).emit({ kind: "start", host: "pve1", vmid: 1101, ip: "10.99.1.11", at: clock.now() });
    const client = new TalosClient({ node: "10.99.1.11", dialAddress: "127.99.1.11", clock });
    const version = await waitFor({
      what: "the node",
      clock,
      timeoutMs: 60_000,
      initialDelayMs: 10,
      check: () => client.version().then((v) => v.version?.tag ?? "", (e) => ({ pending: String(e) })),
    });
    client.close();
    assert.equal(version, "v1.13.9");
    assert.deepEqual(handle.endpoints, ["127.99.1.11:50000"]);
    vmBoots(lab.world).emit({ kind: "stop", host: "pve1", vmid: 1101, at: clock.now() });
    assert.deepEqual(handle.endpoints, []);
    assert.equal(talosLabFor(lab)!.node("10.99.1.11")?.running, false);
  } finally {
    await handle.close();
  }
  assert.equal(talosLabFor(lab), undefined);
});
