import { ManualClock } from "../../lib/clock/clock.ts";
import { assert, assertEquals } from "../../tests/testing.ts";
import { Faults } from "../faults.ts";
import { PROFILES } from "../profile.ts";
import { seededRandom } from "../random.ts";
import { TraceLog } from "../trace.ts";
import { LabWorld } from "../world.ts";
import { kubeOnTalos } from "./on_talos.ts";

const INFO = {
  version: "v1.33.4",
  caPem: "",
  podCidr: "10.244.0.0/16",
  serviceCidr: "10.96.0.0/12",
  controlPlaneIps: ["10.0.1.11"],
  vip: "10.0.3.10",
};

Deno.test("kubelets register Nodes once the API started; a cluster gone takes its Kubernetes state", async () => {
  const world = LabWorld.memory();
  const kube = kubeOnTalos({
    world,
    clock: new ManualClock(0),
    profile: PROFILES.fast,
    random: seededRandom(1),
    trace: new TraceLog(),
    faults: () => new Faults(),
  });
  const node = {
    name: "cp-1",
    ip: "10.0.1.11",
    role: "controlplane" as const,
    labels: {},
    taints: [],
    osImage: "x",
  };
  kube.kubelet("homelab", node); // before the API: nobody to register with
  assertEquals(kube.emulator("homelab"), undefined);
  assertEquals(kube.handlers("homelab", INFO).length, 1);
  kube.kubelet("homelab", node);
  const cluster = kube.emulator("homelab")!.cluster;
  assertEquals(cluster.list(cluster.resource("", "nodes")).map((n) => n.metadata.name), ["cp-1"]);
  assert(world.section("kube", () => undefined) !== undefined);
  await kube.clusterGone("homelab");
  assertEquals(kube.emulator("homelab"), undefined);
  assertEquals(world.section("kube", () => "fresh"), "fresh");
  await kube.close();
});
