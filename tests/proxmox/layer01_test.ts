/** Layer 01's image and VM steps end to end against the lab, through the CLI. */
import { assert, assertEquals } from "../testing.ts";
import { ROOT, strata, tempWorkdir } from "../cli/run.ts";

type Entry = {
  system: string;
  method: string;
  path: string;
  params: Record<string, string>;
  status: number;
  at: number;
};

function trace(file: string): Entry[] {
  return Deno.readTextFileSync(file).trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

async function labConfig(cwd: string, extra = ""): Promise<string> {
  const text = Deno.readTextFileSync(`${ROOT}examples/lab.yaml`).replace(
    "lab:\n",
    `lab:\n  foreignVms:\n    - { host: pve1, vmid: 999, name: grafana }\n${extra}`,
  );
  await Deno.writeTextFile(`${cwd}/cluster.yaml`, text);
  return `${cwd}/cluster.yaml`;
}

Deno.test("layer 01 from nothing: image once per storage, VMs created in parallel within the host limit; re-run creates nothing; destroy spares foreign VMs", async () => {
  const cwd = await tempWorkdir();
  const config = await labConfig(cwd);
  const first = await strata(cwd, "bootstrap", "--lab", "--config", config, "--lab-trace", `${cwd}/t1.jsonl`);
  assertEquals(first.code, 0, first.stdout + first.stderr);
  const t1 = trace(`${cwd}/t1.jsonl`).filter((e) => e.system === "proxmox");
  const downloads = t1.filter((e) => e.path.endsWith("/download-url"));
  assertEquals(downloads.length, 1, "the image is downloaded once");
  assertEquals(downloads[0].params["checksum-algorithm"], "sha256");
  assert(
    /^[0-9a-f]{64}$/.test(downloads[0].params.checksum),
    "Proxmox verifies the image against its checksum",
  );
  const creates = t1.filter((e) => e.method === "POST" && e.path === "/api2/json/nodes/pve1/qemu");
  assertEquals(creates.map((e) => e.params.name).sort(), ["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"]);
  for (const c of creates) {
    assertEquals(c.params.cpu, "host");
    assertEquals(c.params.machine, "q35");
    assert(c.params.scsi0.includes("import-from=local:import/talos-"), c.params.scsi0);
    assert(c.params.tags.split(";").includes("strata-strata-lab"), c.params.tags);
  }
  // timeline: a create is in flight from its POST until the resize that follows its task; with
  // vmCreateConcurrency 3 on one host, several overlap but never more than 3
  let inFlight = 0, most = 0;
  for (const e of t1) {
    if (e.method === "POST" && e.path === "/api2/json/nodes/pve1/qemu") most = Math.max(most, ++inFlight);
    if (e.method === "PUT" && e.path.endsWith("/resize")) inFlight--;
  }
  assertEquals(most, 3, "creates overlap up to the per-host limit");

  const second = await strata(
    cwd,
    "bootstrap",
    "--lab",
    "--config",
    config,
    "--lab-trace",
    `${cwd}/t2.jsonl`,
  );
  assertEquals(second.code, 0, second.stderr);
  const writes = trace(`${cwd}/t2.jsonl`).filter((e) => e.system === "proxmox" && e.method !== "GET");
  assertEquals(writes.map((e) => `${e.method} ${e.path}`), [], "a re-run changes nothing");

  const destroy = await strata(
    cwd,
    "destroy",
    "--lab",
    "--config",
    config,
    "--from=infrastructure",
    "--lab-trace",
    `${cwd}/t3.jsonl`,
  );
  assertEquals(destroy.code, 0, destroy.stdout + destroy.stderr);
  const deletes = trace(`${cwd}/t3.jsonl`).filter((e) => e.method === "DELETE").map((e) =>
    e.path.split("/").pop()
  );
  assertEquals(deletes.sort(), ["1101", "1102", "1103", "1201", "1202"]);
  const world = JSON.parse(Deno.readTextFileSync(`${cwd}/.strata/lab/world.json`));
  assertEquals(Object.keys(world.sections.proxmox.nodes.pve1.vms), ["999"], "the foreign VM survives");
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("a vmid taken by a VM strata does not manage fails preflight (exit 3) and the step, naming the VM", async () => {
  const cwd = await tempWorkdir();
  const config = await labConfig(cwd);
  await Deno.writeTextFile(config, Deno.readTextFileSync(config).replace("vmid: 999", "vmid: 1201"));
  const r = await strata(cwd, "bootstrap", "--lab", "--config", config);
  assertEquals(r.code, 3, r.stdout);
  assert(
    r.stdout.includes("vmid taken by VMs strata does not manage: 1201 (grafana, for worker-1)"),
    r.stdout,
  );
  // the step refuses on its own too, when the check is skipped
  const skipped = await strata(cwd, "bootstrap", "--lab", "--config", config, "--skip-check=proxmox-vmids");
  assertEquals(skipped.code, 1, skipped.stdout);
  assert(skipped.stdout.includes(`vmid 1201 on pve1 is taken by VM "grafana"`), skipped.stdout);
  const world = JSON.parse(Deno.readTextFileSync(`${cwd}/.strata/lab/world.json`));
  assertEquals(
    world.sections.proxmox.nodes.pve1.vms["1201"].config.name,
    "grafana",
    "the foreign VM is untouched",
  );
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("a node IP that already answers fails preflight before any VM is made", async () => {
  const cwd = await tempWorkdir();
  const config = await labConfig(cwd);
  // something already listens on worker-2's address (10.0.2.22 → 127.0.2.22)
  const squatter = Deno.listen({ hostname: "127.0.2.22", port: 22 });
  try {
    const r = await strata(cwd, "bootstrap", "--lab", "--config", config, "--lab-trace", `${cwd}/t.jsonl`);
    assertEquals(r.code, 3, r.stdout);
    assert(r.stdout.includes("worker-2 (10.0.2.22) answers on port 22"), r.stdout);
    assertEquals(trace(`${cwd}/t.jsonl`).filter((e) => e.method === "POST" && e.path.endsWith("/qemu")), []);
  } finally {
    squatter.close();
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("destroy lists leftover CSI volumes of the cluster; only --purge-volumes deletes them", async () => {
  const cwd = await tempWorkdir();
  const config = await labConfig(cwd);
  assertEquals((await strata(cwd, "bootstrap", "--lab", "--config", config)).code, 0);
  // a retained PV's volume parked by the CSI driver, and another cluster's attached volume
  const path = `${cwd}/.strata/lab/world.json`;
  const world = JSON.parse(Deno.readTextFileSync(path));
  const volumes = world.sections.proxmox.nodes.pve1.storages["local-lvm"].volumes;
  volumes["local-lvm:vm-9999-pvc-0b1c2d3e-aaaa-bbbb-cccc-1234567890ab"] = 8 * 1024 ** 3;
  volumes["local-lvm:vm-4242-pvc-11111111-2222-3333-4444-555555555555"] = 1024 ** 3;
  Deno.writeTextFileSync(path, JSON.stringify(world));

  const kept = await strata(cwd, "destroy", "--lab", "--config", config, "--from=infrastructure");
  assertEquals(kept.code, 0, kept.stdout + kept.stderr);
  assert(kept.stdout.includes("1 CSI volume(s) kept: local-lvm:vm-9999-pvc-0b1c2d3e"), kept.stdout);
  assertEquals((await strata(cwd, "bootstrap", "--lab", "--config", config)).code, 0);
  const purged = await strata(
    cwd,
    "destroy",
    "--lab",
    "--config",
    config,
    "--from=infrastructure",
    "--purge-volumes",
  );
  assertEquals(purged.code, 0, purged.stdout + purged.stderr);
  const after =
    JSON.parse(Deno.readTextFileSync(path)).sections.proxmox.nodes.pve1.storages["local-lvm"].volumes;
  // the cluster's parked volume is gone; another cluster's volume and the foreign VM's disk stay
  assertEquals(Object.keys(after).sort(), [
    "local-lvm:vm-4242-pvc-11111111-2222-3333-4444-555555555555",
    "local-lvm:vm-999-disk-0",
  ]);
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("drift: cores and memory are updated with a reboot notice; disks grow, never shrink", async () => {
  const cwd = await tempWorkdir();
  const config = await labConfig(cwd);
  assertEquals((await strata(cwd, "bootstrap", "--lab", "--config", config)).code, 0);
  const original = Deno.readTextFileSync(config);
  const grown = original.replace(
    /(name: cp-1\n(?: {4}.*\n)*? {4})cores: 2\n( {4}memory: )4GiB\n( {4}disk: )32GiB/,
    "$1cores: 4\n$26GiB\n$340GiB",
  );
  assert(grown !== original, "edited the config");
  Deno.writeTextFileSync(config, grown);
  const r = await strata(cwd, "bootstrap", "--lab", "--config", config, "--lab-trace", `${cwd}/t.jsonl`);
  assertEquals(r.code, 0, r.stdout + r.stderr);
  const writes = trace(`${cwd}/t.jsonl`).filter((e) => e.system === "proxmox" && e.method !== "GET");
  const update = writes.find((e) => e.path.endsWith("/qemu/1101/config"));
  assertEquals([update?.params.cores, update?.params.memory], ["4", "6144"]);
  assertEquals(writes.find((e) => e.path.endsWith("/qemu/1101/resize"))?.params.size, "40G");
  assertEquals(writes.filter((e) => /\/qemu\/110[23]\//.test(e.path)), [], "other VMs untouched");
  assert(r.stdout.includes("cp-1: cores and memory changed; reboot the VM"), r.stdout);

  Deno.writeTextFileSync(config, grown.replace(/( {4}disk: )40GiB/, "$120GiB"));
  const shrink = await strata(
    cwd,
    "bootstrap",
    "--lab",
    "--config",
    config,
    "--lab-trace",
    `${cwd}/t2.jsonl`,
  );
  assertEquals(shrink.code, 0, shrink.stderr);
  assertEquals(trace(`${cwd}/t2.jsonl`).filter((e) => e.path.endsWith("/resize")), []);
  assert(shrink.stdout.includes("disks only grow"), shrink.stdout);
  await Deno.remove(cwd, { recursive: true });
});
