/**
 * The Talos emulator's own behaviour: it persists in the world and comes back as it was, follows
 * VM power and deletion, reconciles with the Proxmox world, injects faults, makes workers wait for
 * a control plane's trustd, and loses etcd quorum when voters go away.
 */
import assert from "node:assert/strict";
import { GrpcStatus, TalosApiError, TalosUnavailableError } from "../../lib/talos/api/errors.ts";
import { waitFor } from "../../lib/talos/api/wait.ts";
import { LabWorld } from "../world.ts";
import { startTestLab, type TestLab } from "../../tests/talos-api/lab.ts";

const CP1 = "10.0.1.11", CP2 = "10.0.1.12", W1 = "10.0.2.21";

async function configure(lab: TestLab, ip: string, name: string): Promise<void> {
  await lab.waitUp(ip, "maintenance");
  await lab.client(ip).applyConfiguration(lab.configs[name].yaml);
  await lab.waitUp(ip, "configured");
}

function until<T>(lab: TestLab, what: string, check: () => Promise<T | { pending: string }>): Promise<T> {
  return waitFor({ what, clock: lab.clock, timeoutMs: 60_000, initialDelayMs: 5, maxDelayMs: 50, check });
}

Deno.test("the world keeps nodes and etcd: a new lab process serves them as they were", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await startTestLab(81, { world: await LabWorld.open(dir) });
    try {
      first.talos.addNode({ ip: CP1 });
      await configure(first, CP1, "cp-1");
      await first.client(CP1, "admin").bootstrap();
    } finally {
      await first.close();
    }
    const second = await startTestLab(81, { world: await LabWorld.open(dir) });
    try {
      // no VM start: the node was running and simply answers again, configured, with its etcd
      await second.waitUp(CP1, "configured");
      assert.deepEqual(await second.client(CP1, "admin").bootstrap(), { already: true });
      assert.equal((await second.client(CP1, "admin").etcdMemberList())[0].hostname, "cp-1");
      assert.equal(second.talos.clusters().length, 1);
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("VM power: a stopped VM stops answering, a destroyed one comes back blank", async () => {
  const lab = await startTestLab(82);
  try {
    lab.talos.vmStarted("pve1", 1101, CP1, "BC:24:11:00:01:11");
    await configure(lab, CP1, "cp-1");
    lab.talos.vmStopped("pve1", 1101);
    const down = await lab.client(CP1, "admin").version().catch((e) => e);
    assert.ok(down instanceof TalosUnavailableError, String(down));
    lab.talos.vmStarted("pve1", 1101, CP1, "BC:24:11:00:01:11");
    await lab.waitUp(CP1, "configured"); // the disk kept the config
    lab.talos.vmDestroyed("pve1", 1101);
    assert.equal(lab.talos.node(CP1), undefined);
    lab.talos.vmStarted("pve1", 1101, CP1, "BC:24:11:00:01:11");
    await lab.waitUp(CP1, "maintenance");
    // a VM without a static address cannot be reached in the lab: nothing boots
    lab.talos.vmStarted("pve1", 1199, undefined, undefined);
    assert.equal(lab.talos.nodes().length, 1);
  } finally {
    await lab.close();
  }
});

Deno.test("on restart, nodes whose Proxmox VM is gone are forgotten, stopped ones stay down", async () => {
  const world = LabWorld.memory();
  // the Proxmox emulator keeps its hosts' VMs in `proxmox.nodes`
  const pve = world.section<{ nodes: Record<string, { vms: Record<string, { status: string }> }> }>(
    "proxmox",
    () => ({ nodes: { pve1: { vms: { "1101": { status: "running" }, "1102": { status: "stopped" } } } } }),
  );
  const first = await startTestLab(83, { world });
  try {
    first.talos.vmStarted("pve1", 1101, CP1, undefined);
    first.talos.vmStarted("pve1", 1102, CP2, undefined);
    first.talos.vmStarted("pve1", 1103, W1, undefined);
    await first.waitUp(CP1, "maintenance");
  } finally {
    await first.close();
  }
  const second = await startTestLab(83, { world });
  try {
    assert.deepEqual(second.talos.nodes().map((n) => [n.ip, n.running]), [[CP1, true], [CP2, false]]);
    await second.waitUp(CP1, "maintenance");
    assert.ok(pve.nodes.pve1);
  } finally {
    await second.close();
  }
});

Deno.test("faults: an injected error is UNAVAILABLE (transient), the next call succeeds", async () => {
  const lab = await startTestLab(84);
  try {
    lab.talos.addNode({ ip: CP1 });
    await lab.waitUp(CP1, "maintenance");
    lab.faults.queue.push({ kind: "error" });
    const err = await lab.client(CP1).version().catch((e) => e);
    assert.ok(err instanceof TalosUnavailableError, String(err));
    assert.equal((await lab.client(CP1).version()).version?.tag, "v1.13.9");
    const statuses = lab.trace.entries.filter((e) => e.path.endsWith("/Version")).map((e) => e.status);
    assert.deepEqual(statuses.slice(-2), ["Unavailable", "OK"]);
  } finally {
    await lab.close();
  }
});

Deno.test("a worker's apid waits for a control plane's trustd to sign its certificate", async () => {
  const lab = await startTestLab(85);
  try {
    lab.talos.addNode({ ip: W1 });
    await lab.waitUp(W1, "maintenance");
    await lab.client(W1).applyConfiguration(lab.configs["w-1"].yaml);
    await until(
      lab,
      "w-1 installed",
      () => Promise.resolve(lab.talos.node(W1)?.stage === "configured" ? true : { pending: "installing" }),
    );
    const early = await lab.client(W1, "admin").version().catch((e) => e);
    assert.ok(early instanceof TalosUnavailableError, String(early));
    lab.talos.addNode({ ip: CP1 });
    await configure(lab, CP1, "cp-1");
    await lab.waitUp(W1, "configured");
  } finally {
    await lab.close();
  }
});

Deno.test("etcd without quorum does not answer: two voters, one down", async () => {
  const lab = await startTestLab(86);
  try {
    lab.talos.vmStarted("pve1", 1101, CP1, undefined);
    lab.talos.vmStarted("pve1", 1102, CP2, undefined);
    await configure(lab, CP1, "cp-1");
    await configure(lab, CP2, "cp-2");
    const cp1 = lab.client(CP1, "admin");
    await cp1.bootstrap();
    await until(lab, "cp-2 voting", async () => {
      const m = await cp1.etcdMemberList();
      return m.length === 2 && m.every((x) => !x.isLearner) ? m : { pending: "joining" };
    });
    lab.talos.vmStopped("pve1", 1102);
    const err = await cp1.etcdMemberList().catch((e) => e);
    assert.ok(err instanceof TalosApiError && err.code === GrpcStatus.UNKNOWN, String(err));
  } finally {
    await lab.close();
  }
});
