/** The Talos world's derived facts: etcd members at a time, the primary etcd, cluster keys, member ids. */
import assert from "node:assert/strict";
import { seededRandom } from "../random.ts";
import {
  clusterKeyOf,
  type EtcdClusterRecord,
  etcdMembersAt,
  etcdOfNode,
  newMemberId,
  primaryEtcd,
} from "./state.ts";

const etcd = (id: string, createdAt: number, ips: string[]): EtcdClusterRecord => ({
  id,
  createdAt,
  bootstrapNode: ips[0],
  members: Object.fromEntries(
    ips.map((
      ip,
      i,
    ) => [ip, {
      id: String(i + 1),
      hostname: ip,
      ip,
      addedAt: createdAt + i * 10,
      promotedAt: createdAt + i * 20,
    }]),
  ),
});

Deno.test("members appear when added and are learners until promoted", () => {
  const e = etcd("a", 100, ["10.0.1.11", "10.0.1.12"]);
  assert.deepEqual(etcdMembersAt(e, 100).map((m) => [m.ip, m.learner]), [["10.0.1.11", false]]);
  assert.deepEqual(etcdMembersAt(e, 115).map((m) => [m.ip, m.learner]), [["10.0.1.11", false], [
    "10.0.1.12",
    true,
  ]]);
  assert.deepEqual(etcdMembersAt(e, 120).map((m) => m.learner), [false, false]);
});

Deno.test("the oldest etcd cluster is the one nodes join; a node's own is found by membership", () => {
  const cluster = { key: "k", etcd: { b: etcd("b", 200, ["10.0.1.12"]), a: etcd("a", 100, ["10.0.1.11"]) } };
  assert.equal(primaryEtcd(cluster)?.id, "a");
  assert.equal(etcdOfNode(cluster, "10.0.1.12")?.id, "b");
  assert.equal(etcdOfNode(cluster, "10.0.1.13"), undefined);
});

Deno.test("cluster keys and member ids", () => {
  assert.equal(clusterKeyOf({ cluster: { id: "abc" } }), "abc");
  assert.equal(
    clusterKeyOf({ cluster: { clusterName: "h", controlPlane: { endpoint: "https://v:6443" } } }),
    "h@https://v:6443",
  );
  const random = seededRandom(3);
  const ids = new Set(Array.from({ length: 50 }, () => newMemberId(random)));
  assert.equal(ids.size, 50);
  for (const id of ids) assert.ok(BigInt(id) > 0n && BigInt(id) < 1n << 64n);
});
