/** Service states through a node's life: maintenance, configured, etcd waiting, learner, healthy. */
import assert from "node:assert/strict";
import { msOf } from "../../lib/talos/api/messages.ts";
import { nodeServices } from "./services.ts";

const state = (list: ReturnType<typeof nodeServices>, id: string) => list.find((s) => s.id === id);

Deno.test("maintenance mode runs apid, machined and udevd only", () => {
  assert.deepEqual(nodeServices({ upAt: 0 }, 10).map((s) => s.id), ["apid", "machined", "udevd"]);
});

Deno.test("workers have no etcd or trustd; control planes do, sorted by id", () => {
  const worker = nodeServices({ role: "worker", upAt: 0 }, 10).map((s) => s.id);
  assert.ok(!worker.includes("etcd") && !worker.includes("trustd") && worker.includes("kubelet"));
  const cp = nodeServices({ role: "controlplane", upAt: 0 }, 10).map((s) => s.id);
  assert.deepEqual(cp, [...cp].sort());
  assert.ok(cp.includes("etcd") && cp.includes("trustd"));
});

Deno.test("etcd: Preparing until it joins, unhealthy as a learner, healthy once promoted", () => {
  const waiting = state(nodeServices({ role: "controlplane", upAt: 0 }, 10), "etcd")!;
  assert.equal(waiting.state, "Preparing");
  assert.equal(waiting.health?.unknown, true);
  const membership = { addedAt: 100, promotedAt: 200 };
  assert.equal(
    state(nodeServices({ role: "controlplane", upAt: 0, etcd: membership }, 50), "etcd")!.state,
    "Preparing",
  );
  const learner = state(nodeServices({ role: "controlplane", upAt: 0, etcd: membership }, 150), "etcd")!;
  assert.equal(learner.state, "Running");
  assert.equal(learner.health?.healthy, false);
  const healthy = state(nodeServices({ role: "controlplane", upAt: 0, etcd: membership }, 250), "etcd")!;
  assert.equal(healthy.health?.healthy, true);
  assert.equal(msOf(healthy.health!.lastChange!), 200);
  assert.equal(healthy.events?.events.at(-1)?.msg, "Health check successful");
});
