/**
 * The Talos steps of layer 01 end to end in the lab (fast profile, scaled clock), run by the real
 * engine with a real state store: maintenance → configs applied → installed → bootstrap → etcd →
 * Kubernetes API on the VIP → kubeconfig → files (0600) that work. Then: a re-run changes nothing;
 * a changed config reaches only its node (with the reboot notice); and a run killed after every
 * step boundary resumes to the end with no second apply and no second bootstrap.
 */
import assert from "node:assert/strict";
import * as https from "node:https";
import { parse } from "yaml";
import { applyLayer, type EngineOptions } from "../../lib/engine/run.ts";
import type { EngineEvent, Step } from "../../lib/engine/types.ts";
import { StateStore } from "../../lib/state/store.ts";
import { parseTalosconfig } from "../../lib/talos/talosconfig.ts";
import type { TraceEntry } from "../../lab/trace.ts";
import { type TalosNode, talosSteps } from "../../layers/01-infrastructure/talos.ts";
import { nodes as nodeInputs } from "../talos/helpers.ts";
import { pem, secrets, startTestLab, type TestLab } from "./lab.ts";

const VIP = "10.0.3.10";

function allNodes(): TalosNode[] {
  return nodeInputs().map((n) => ({ name: n.name, role: n.role, ip: n.ip, mac: n.mac }));
}

async function setup(lab: TestLab, nodes: TalosNode[], dir: string, configs?: Record<string, string>) {
  const env = { HOME: dir, XDG_CONFIG_HOME: dir };
  const state = await StateStore.open({ dir: `${dir}/.strata`, cluster: "homelab", env });
  const steps = talosSteps({
    cluster: "homelab",
    nodes,
    vip: VIP,
    secrets: () => Promise.resolve(secrets),
    machineConfig: (node) => configs?.[node.name] ?? lab.configs[node.name].yaml,
    clusterDir: `${dir}/.strata/homelab`,
    dial: lab.address,
    poll: { initialDelayMs: 20, maxDelayMs: 200 },
  });
  return { state, steps };
}

async function run(
  lab: TestLab,
  state: StateStore,
  steps: Step[],
  stopAfter?: number,
): Promise<{ ok: boolean; events: EngineEvent[] }> {
  const events: EngineEvent[] = [];
  const ctl = new AbortController();
  let finished = 0;
  const opts: EngineOptions = {
    clock: lab.clock,
    state,
    signal: ctl.signal,
    random: () => 0.5,
    reporter: {
      event(e) {
        events.push(e);
        if (e.type === "step.finished" && ++finished === stopAfter) ctl.abort(new Error("killed"));
      },
      close: () => Promise.resolve(),
    },
  };
  const outcome = await applyLayer({ id: "01-infrastructure", steps }, opts);
  return { ok: outcome.ok, events };
}

const calls = (trace: TraceEntry[], method: string, status = "OK") =>
  trace.filter((e) => e.path === `/machine.MachineService/${method}` && e.status === status);

function getVersion(kubeconfig: string): Promise<{ status: number; body: string }> {
  // deno-lint-ignore no-explicit-any
  const doc = parse(kubeconfig) as any;
  const url = new URL(doc.clusters[0].cluster.server);
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: url.hostname,
      port: Number(url.port),
      path: "/version",
      ca: pem(doc.clusters[0].cluster["certificate-authority-data"]),
      cert: pem(doc.users[0].user["client-certificate-data"]),
      key: pem(doc.users[0].user["client-key-data"]),
      servername: "kubernetes",
      agent: false,
      checkServerIdentity: () => undefined,
    }, (res) => {
      let body = "";
      res.on("data", (d) => body += d);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

Deno.test("the Talos sequence end to end in the lab, then a re-run and a config change", async () => {
  const dir = await Deno.makeTempDir();
  const lab = await startTestLab(71);
  try {
    const nodes = allNodes();
    const { state, steps } = await setup(lab, nodes, dir);
    // the VMs start a little after the steps do: the apply steps wait for them to answer
    const booting = lab.clock.sleep(2_000).then(() => {
      for (const n of nodes) lab.talos.addNode({ ip: n.ip, mac: n.mac });
    });
    const first = await run(lab, state, steps);
    await booting;
    const failed = first.events.find((e) => e.type === "step.failed");
    assert.ok(first.ok, JSON.stringify(failed));

    // every node applied once, in maintenance mode; one bootstrap
    assert.equal(calls(lab.trace.entries, "ApplyConfiguration").length, nodes.length);
    assert.equal(calls(lab.trace.entries, "Bootstrap").length, 1);
    assert.deepEqual(lab.talos.nodes().map((n) => n.stage), nodes.map(() => "configured"));
    const progress = first.events.filter((e) => e.type === "step.progress").map((e) =>
      (e as { message: string }).message
    );
    assert.ok(
      progress.some((m) => /^waiting for .* \(\d/.test(m)),
      `waits say what and how long: ${progress.join("\n")}`,
    );

    // the files: 0600, the talosconfig without the VIP, a kubeconfig that reaches the API
    const talosconfigPath = `${dir}/.strata/homelab/talosconfig`;
    const kubeconfigPath = `${dir}/.strata/homelab/kubeconfig`;
    assert.equal((await Deno.stat(talosconfigPath)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(kubeconfigPath)).mode! & 0o777, 0o600);
    const tc = parseTalosconfig(await Deno.readTextFile(talosconfigPath));
    assert.deepEqual(tc.endpoints, ["10.0.1.11", "10.0.1.12", "10.0.1.13"].map(lab.address));
    assert.ok(!tc.endpoints.includes(lab.address(VIP)));
    const kubeconfig = await Deno.readTextFile(kubeconfigPath);
    const version = await getVersion(kubeconfig);
    assert.equal(version.status, 200);
    assert.equal(JSON.parse(version.body).gitVersion, "v1.33.4");
    const etcd = state.step("talos.etcd")?.output as { members: Record<string, string> };
    assert.deepEqual(Object.keys(etcd.members).sort(), ["cp-1", "cp-2", "cp-3"]);

    // a re-run: nothing applied, nothing bootstrapped, files kept
    const applies = calls(lab.trace.entries, "ApplyConfiguration").length;
    const again = await run(lab, state, steps);
    assert.ok(again.ok);
    assert.equal(calls(lab.trace.entries, "ApplyConfiguration").length, applies);
    assert.equal(calls(lab.trace.entries, "Bootstrap").length, 1);
    assert.equal(calls(lab.trace.entries, "Bootstrap", "AlreadyExists").length, 0);
    assert.equal(await Deno.readTextFile(kubeconfigPath), kubeconfig);
    const changedSteps = again.events.filter((e) => e.type === "step.finished" && e.changed).map((e) =>
      (e as { step: string }).step
    );
    assert.deepEqual(changedSteps, []);

    // a changed config for w-2 only: applied there (AUTO), nowhere else, with a reboot notice
    const w2 = lab.configs["w-2"].yaml.replace("diskQuotaSupport: true", "diskQuotaSupport: false");
    const changed = await setup(lab, nodes, dir, { "w-2": w2 });
    const third = await run(lab, changed.state, changed.steps);
    assert.ok(third.ok, JSON.stringify(third.events.find((e) => e.type === "step.failed")));
    const newApplies = calls(lab.trace.entries, "ApplyConfiguration").slice(applies);
    assert.deepEqual(newApplies.map((e) => [e.host, e.params.mode]), [["10.0.2.22", "AUTO"]]);
    const notices = third.events.filter((e) => e.type === "notice").map((e) =>
      (e as { message: string }).message
    );
    assert.ok(notices.some((m) => /^w-2: the config change needs a reboot/.test(m)), notices.join("\n"));
  } finally {
    await lab.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("killed after each step boundary, a re-run completes: no second apply, no second bootstrap", async () => {
  const nodes = allNodes().filter((n) => n.name === "cp-1" || n.name === "w-1");
  // admin-cert, apply ×2, installed ×2, bootstrap, etcd, kube-api, kubeconfig, client-files
  const boundaries = 9;
  for (let k = 1; k <= boundaries; k++) {
    const dir = await Deno.makeTempDir();
    const lab = await startTestLab(72);
    try {
      for (const n of nodes) lab.talos.addNode({ ip: n.ip, mac: n.mac });
      const { state, steps } = await setup(lab, nodes, dir);
      const killed = await run(lab, state, steps, k);
      assert.equal(killed.ok, false, `run ${k} should have been stopped`);
      // a new command: the world and the state are the same, the process is new
      const resumed = await setup(lab, nodes, dir);
      const rest = await run(lab, resumed.state, resumed.steps);
      assert.ok(
        rest.ok,
        `after stopping at boundary ${k}: ${
          JSON.stringify(rest.events.find((e) => e.type === "step.failed"))
        }`,
      );
      for (const n of nodes) {
        const applied = calls(lab.trace.entries, "ApplyConfiguration").filter((e) => e.host === n.ip);
        assert.equal(applied.length, 1, `boundary ${k}: ${n.name} applied ${applied.length} times`);
      }
      assert.equal(calls(lab.trace.entries, "Bootstrap").length, 1, `boundary ${k}: bootstraps`);
      await Deno.stat(`${dir}/.strata/homelab/kubeconfig`);
    } finally {
      await lab.close();
      await Deno.remove(dir, { recursive: true });
    }
  }
});
