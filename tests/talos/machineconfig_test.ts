/**
 * Machine configs end to end: every generated config validates against the official schema with
 * ajv, has the structure of the upstream `talosctl gen config` example, carries strata's settings,
 * and applies or refuses user patches as documented.
 */
import { exitCodeOf } from "../../lib/errors.ts";
import { baseDocuments } from "../../lib/talos/machineconfig/base.ts";
import { talosContract } from "../../lib/talos/machineconfig/contract.ts";
import { generateClusterConfigs, generateMachineConfig } from "../../lib/talos/machineconfig/generate.ts";
import { schemaModel, type Shape } from "../../lib/talos/machineconfig/schema_model.ts";
import { documentType } from "../../lib/talos/machineconfig/structure.ts";
import type { ClusterInput, MachineConfig, NodeInput } from "../../lib/talos/machineconfig/types.ts";
import { validateMachineConfig } from "../../lib/talos/machineconfig/validate.ts";
import { decodeDocuments, encodeDocuments } from "../../lib/talos/machineconfig/yaml.ts";
import { assert, assertEquals, assertMatch, assertRejects } from "../testing.ts";
import { ajvErrors, cluster, INSTALL_IMAGE, nodes, readSpec, secrets } from "./helpers.ts";

type Doc = Record<string, unknown>;
const model = schemaModel("v1.13")!;

function assertValid(config: MachineConfig, what: string) {
  const docs = decodeDocuments(config.yaml);
  assertEquals(docs, config.documents, `${what}: the YAML reads back as the documents`);
  for (const d of docs) {
    assertEquals(
      ajvErrors(d),
      [],
      `${what}: ${String(d.kind ?? "v1alpha1")} against config.schema.v1.13.9.json`,
    );
  }
  assertEquals(validateMachineConfig(config.yaml), [], `${what}: strata's own checks`);
}

const PATCHES: ClusterInput["patches"] = {
  global: [
    { machine: { kubelet: { extraArgs: { "max-pods": "150" } } } },
    [{ op: "add", path: "/machine/sysctls", value: { "net.core.somaxconn": "65535" } }],
  ],
  controlplane: [{ cluster: { apiServer: { extraArgs: { "audit-log-maxage": "30" } } } }],
  worker: [{ apiVersion: "v1alpha1", kind: "LinkConfig", name: "net0", mtu: 9000 }],
  nodes: {
    "cp-1": [[{ op: "replace", path: "/machine/install/wipe", value: true }]],
    "w-2": [{ machine: { nodeLabels: { "storage-node": "true" } } }],
  },
};

Deno.test("upstream example: the base documents equal talosctl gen config's output byte for byte (without persist)", async () => {
  for (const role of ["controlplane", "worker"] as const) {
    const expected = (await readSpec(`examples/stability-v1.13-base-${role}.yaml`)).replace(
      "persist: true\n",
      "",
    );
    const ours = encodeDocuments(baseDocuments({
      contract: talosContract("v1.13.9"),
      role,
      clusterName: "base",
      endpoint: "https://base:6443",
      kubernetesVersion: "1.28.0",
      secrets,
    }));
    assertEquals(ours, expected, role);
  }
});

Deno.test("3 control planes + 2 workers, both disk buses, with and without patches, with a VLAN: all valid against the official schema", () => {
  const variants: [string, ClusterInput, NodeInput[]][] = [
    ["plain", cluster(), nodes()],
    ["patched", cluster({ patches: PATCHES }), nodes()],
    ["vlan", cluster(), nodes(() => ({ vlan: 30 }))],
    [
      "all on virtio, patched, vlan",
      cluster({ patches: PATCHES }),
      nodes(() => ({ disk: { bus: "virtio" }, vlan: 4094 })),
    ],
    [
      "disk selector",
      cluster({ allowSchedulingOnControlPlanes: true }),
      nodes(() => ({ disk: { selector: { type: "ssd", size: ">= 32GB" } } })),
    ],
  ];
  for (const [name, c, n] of variants) {
    const configs = generateClusterConfigs(c, n);
    assertEquals(configs.map((x) => x.node), ["cp-1", "cp-2", "cp-3", "w-1", "w-2"]);
    for (const config of configs) assertValid(config, `${name} ${config.node}`);
  }
});

/** JSON type of a value, as a structural comparison sees it. */
function typeOf(v: unknown): string {
  return Array.isArray(v) ? "array" : v === null ? "null" : typeof v;
}

/** Every path of a document with its type; lists compare by their first item. */
function paths(v: unknown, prefix = "", out = new Map<string, string>()): Map<string, string> {
  out.set(prefix, typeOf(v));
  if (Array.isArray(v)) {
    if (v.length) paths(v[0], `${prefix}[]`, out);
  } else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) paths(x, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

/** Keys of every struct-typed object appear in the schema's field order. */
function assertFieldOrder(shape: Shape, v: unknown, where: string) {
  if (typeof shape === "string" || v === null || typeof v !== "object") return;
  if ("ref" in shape) return assertFieldOrder(model.defs[shape.ref], v, where);
  if ("array" in shape && Array.isArray(v)) {
    return v.forEach((x, i) => assertFieldOrder(shape.array, x, `${where}[${i}]`));
  }
  if ("map" in shape) {
    return Object.entries(v).forEach(([k, x]) => assertFieldOrder(shape.map, x, `${where}.${k}`));
  }
  if ("props" in shape) {
    const order = Object.keys(shape.props);
    const keys = Object.keys(v).filter((k) => k in shape.props); // upstream's deprecated persist is not in the schema
    assertEquals(keys, [...keys].sort((a, b) => order.indexOf(a) - order.indexOf(b)), `${where}: key order`);
    for (const k of keys) assertFieldOrder(shape.props[k], (v as Doc)[k], `${where}.${k}`);
  }
}

Deno.test("structure matches the upstream example: same sections, key types and key order; strata adds, never drops", async () => {
  for (const role of ["controlplane", "worker"] as const) {
    const upstream = decodeDocuments(await readSpec(`examples/stability-v1.13-base-${role}.yaml`));
    const config = generateClusterConfigs(cluster({ patches: PATCHES }), nodes()).find((c) =>
      c.role === role
    )!;
    const ours = decodeDocuments(config.yaml);
    // same documents kinds as upstream, v1alpha1 first; strata's network documents come after
    assertEquals(
      ours.slice(0, 2).map((d) => d.kind ?? "v1alpha1"),
      upstream.map((d) => d.kind ?? "v1alpha1"),
    );
    const theirs = paths(upstream[0]);
    const mine = paths(ours[0]);
    for (const [path, type] of theirs) {
      if (path === "persist") continue; // deprecated, not in the v1.13 schema; strata leaves it out
      assert(mine.has(path), `${role}: upstream section ${path} is missing`);
      assertEquals(mine.get(path), type, `${role}: type of ${path}`);
    }
    assertEquals(Object.keys(ours[0]), ["version", "debug", "machine", "cluster"]);
    for (const d of [...upstream, ...ours]) {
      assertFieldOrder({ ref: documentType(model, d)! }, d, `${role} ${String(d.kind ?? "v1alpha1")}`);
    }
  }
});

Deno.test("strata's settings: disk by bus, installer, SANs, endpoint, no CNI / kube-proxy, KubePrism, hostDNS, labels, taints, network", () => {
  const configs = generateClusterConfigs(cluster({ allowSchedulingOnControlPlanes: true }), nodes());
  const [cp1, , , w1, w2] = configs.map((c) => c.documents);
  const v1 = (docs: Doc[]) =>
    docs[0] as { machine: Doc & Record<string, Doc>; cluster: Doc & Record<string, Doc> };
  assertEquals(v1(cp1).machine.install, {
    disk: "/dev/sda",
    image: INSTALL_IMAGE,
    wipe: false,
    grubUseUKICmdline: true,
  });
  assertEquals((v1(w1).machine.install as Doc).disk, "/dev/vda");
  const sans = ["10.0.3.10", "10.0.1.11", "10.0.1.12", "10.0.1.13", "k8s.example.com"];
  assertEquals(v1(cp1).machine.certSANs as unknown, sans);
  assertEquals(v1(cp1).cluster.apiServer.certSANs, sans);
  assertEquals(v1(cp1).cluster.controlPlane, { endpoint: "https://10.0.3.10:6443" });
  assertEquals(v1(w1).cluster.controlPlane, { endpoint: "https://10.0.3.10:6443" });
  for (const docs of [cp1, w1]) {
    assertEquals((v1(docs).cluster.network as Doc).cni, { name: "none" });
    assertEquals((v1(docs).cluster.proxy as Doc).disabled, true);
    assertEquals((v1(docs).machine.features as Doc).kubePrism, { enabled: true, port: 7445 });
    assertEquals((v1(docs).machine.features as Doc).hostDNS, { enabled: true, forwardKubeDNSToHost: true });
  }
  assertEquals(v1(cp1).cluster.allowSchedulingOnControlPlanes as unknown, true);
  assertEquals(v1(w2).machine.nodeLabels, { "topology.kubernetes.io/zone": "z2" });
  assertEquals(v1(w2).machine.nodeTaints, { dedicated: "storage:NoSchedule" });
  const byKind = (docs: Doc[], kind: string) => docs.filter((d) => d.kind === kind);
  assertEquals(byKind(cp1, "HostnameConfig"), [{
    apiVersion: "v1alpha1",
    kind: "HostnameConfig",
    hostname: "cp-1",
  }]);
  assertEquals(byKind(cp1, "LinkAliasConfig")[0].selector, {
    match: 'mac(link.permanent_addr) == "bc:24:11:00:01:11"',
  });
  assertEquals(byKind(cp1, "LinkConfig")[0], {
    apiVersion: "v1alpha1",
    kind: "LinkConfig",
    name: "net0",
    mtu: 1500,
    addresses: [{ address: "10.0.1.11/16" }],
    routes: [{ gateway: "10.0.0.1" }],
  });
  assertEquals(byKind(cp1, "Layer2VIPConfig"), [{
    apiVersion: "v1alpha1",
    kind: "Layer2VIPConfig",
    name: "10.0.3.10",
    link: "net0",
  }]);
  assertEquals(byKind(w1, "Layer2VIPConfig"), []);
  assertEquals(byKind(w1, "ResolverConfig")[0].nameservers, [{ address: "10.0.0.1" }, {
    address: "1.1.1.1",
  }]);
  // no DHCP anywhere: no DHCP documents, and the link has static config
  assert(!cp1.some((d) => String(d.kind).startsWith("DHCP")));
  const vlan = generateMachineConfig(cluster(), { ...nodes()[0], vlan: 30 }).documents;
  assertEquals(byKind(vlan, "VLANConfig")[0], {
    apiVersion: "v1alpha1",
    kind: "VLANConfig",
    name: "net0.30",
    vlanID: 30,
    parent: "net0",
    mtu: 1500,
    addresses: [{ address: "10.0.1.11/16" }],
    routes: [{ gateway: "10.0.0.1" }],
  });
  assertEquals(byKind(vlan, "Layer2VIPConfig")[0].link, "net0.30");
});

Deno.test("patches of both kinds at global, role and node level are applied, in that order", () => {
  const configs = generateClusterConfigs(cluster({ patches: PATCHES }), nodes());
  const [cp1, cp2, , w1, w2] = configs.map((c) =>
    c.documents[0] as { machine: Record<string, Doc>; cluster: Record<string, Doc> }
  );
  for (const d of [cp1, w1]) {
    assertEquals(d.machine.kubelet.extraArgs, { "max-pods": "150" });
    assertEquals(d.machine.sysctls, { "net.core.somaxconn": "65535" });
  }
  assertEquals(cp1.cluster.apiServer.extraArgs, { "audit-log-maxage": "30" });
  assertEquals(cp1.machine.install.wipe, true);
  assertEquals(cp2.machine.install.wipe, false);
  assertEquals(w2.machine.nodeLabels, { "storage-node": "true", "topology.kubernetes.io/zone": "z2" });
  const link = configs[3].documents.find((d) => d.kind === "LinkConfig")!;
  assertEquals(link.mtu, 9000);
  assertEquals(configs[0].documents.find((d) => d.kind === "LinkConfig")!.mtu, 1500);
  // fields added by patches are written where Talos writes them (struct order), not at the end
  assertEquals(Object.keys(cp1.machine.kubelet), [
    "image",
    "extraArgs",
    "defaultRuntimeSeccompProfileEnabled",
    "disableManifestsDirectory",
  ]);
});

Deno.test("strategic merge follows Talos: replaced subnets, keyed admission plugins, \$patch: delete, new documents", () => {
  const docs = generateMachineConfig(
    cluster({
      patches: {
        controlplane: [
          { cluster: { network: { podSubnets: ["10.42.0.0/16"] } } },
          {
            cluster: {
              apiServer: {
                admissionControl: [{
                  name: "PodSecurity",
                  configuration: { defaults: { enforce: "restricted" } },
                }],
                auditPolicy: { $patch: "delete" },
              },
            },
            machine: {
              nodeLabels: { "node.kubernetes.io/exclude-from-external-load-balancers": { $patch: "delete" } },
            },
          },
          { apiVersion: "v1alpha1", kind: "ResolverConfig", $patch: "delete" },
          { apiVersion: "v1alpha1", kind: "TimeSyncConfig", ntp: { servers: ["10.0.0.1"] } },
        ],
      },
    }),
    nodes()[0],
    { controlPlaneIps: ["10.0.1.11"] },
  ).documents;
  const v1 = docs[0] as { machine: Doc; cluster: Record<string, Record<string, unknown>> };
  assertEquals((v1.cluster.network as Doc).podSubnets, ["10.42.0.0/16"]);
  const admission = v1.cluster.apiServer.admissionControl as {
    name: string;
    configuration: Record<string, Doc>;
  }[];
  assertEquals(admission.length, 1);
  assertEquals(admission[0].configuration.defaults.enforce, "restricted");
  assertEquals(admission[0].configuration.defaults.audit, "restricted");
  assert(!("auditPolicy" in v1.cluster.apiServer));
  assert(!("nodeLabels" in v1.machine), "the only label was deleted, and the empty map with it");
  assert(!docs.some((d) => d.kind === "ResolverConfig"));
  assertEquals(docs.at(-1), {
    apiVersion: "v1alpha1",
    kind: "TimeSyncConfig",
    ntp: { servers: ["10.0.0.1"] },
  });
});

Deno.test("JSON patches: add, remove, replace, move, copy, test", () => {
  const docs = generateMachineConfig(
    cluster({
      patches: {
        global: [[
          { op: "test", path: "/machine/install/disk", value: "/dev/sda" },
          { op: "add", path: "/machine/certSANs/-", value: "talos.example.com" },
          { op: "copy", from: "/machine/install/image", path: "/machine/install/image-copy-target" },
          { op: "remove", path: "/machine/install/image-copy-target" },
          { op: "move", from: "/machine/install/disk", path: "/machine/install/diskTmp" },
          { op: "move", from: "/machine/install/diskTmp", path: "/machine/install/disk" },
          { op: "replace", path: "/machine/features/kubePrism/port", value: 7446 },
          { op: "add", path: "/machine/kernel", value: { modules: [{ name: "nvme_tcp" }] } },
        ]],
      },
    }),
    nodes()[0],
  ).documents[0] as { machine: Record<string, Record<string, unknown>> };
  assertEquals((docs.machine.certSANs as unknown as string[]).at(-1), "talos.example.com");
  assertEquals(docs.machine.install.disk, "/dev/sda");
  assert(!("image-copy-target" in docs.machine.install) && !("diskTmp" in docs.machine.install));
  assertEquals(docs.machine.features.kubePrism, { enabled: true, port: 7446 });
  assertEquals(docs.machine.kernel, { modules: [{ name: "nvme_tcp" }] });
});

Deno.test("invalid patches are config errors (exit 2) naming the patch and what failed", async () => {
  const cases: [NonNullable<ClusterInput["patches"]>, RegExp][] = [
    [
      { nodes: { "cp-1": [{ machine: { install: { dsk: "/dev/sdb" } } }] } },
      /^talos\.patches\.nodes\.cp-1\[0\]: machine\.install\.dsk: unknown field \(did you mean disk\?\)/,
    ],
    [
      { global: [{}, { machine: { install: { wipe: "yes" } } }] },
      /^talos\.patches\.global\[1\]: machine\.install\.wipe: must be a boolean, not "yes"/,
    ],
    [
      { controlplane: [{ apiVersion: "v1alpha1", kind: "LinkConfg", name: "net0" }] },
      /^talos\.patches\.controlplane\[0\]: .*unknown document kind LinkConfg.*did you mean LinkConfig\?/,
    ],
    [
      { global: [[{ op: "replace", path: "/machine/install/dsk", value: 1 }]] },
      /^talos\.patches\.global\[0\]: operation 0 \(replace \/machine\/install\/dsk\): \/machine\/install\/dsk does not exist/,
    ],
    [
      { global: [[{ op: "test", path: "/machine/install/disk", value: "/dev/vda" }]] },
      /^talos\.patches\.global\[0\]: operation 0 \(test \/machine\/install\/disk\): .* is "\/dev\/sda", not "\/dev\/vda"/,
    ],
    [
      { global: [[{ op: "frobnicate", path: "/x" }]] } as never,
      /^talos\.patches\.global\[0\]: not a valid JSON patch: operation 0: op must be one of add, remove, replace, move, copy, test/,
    ],
    [{ global: [[{ op: "add", path: "/machine/install/disk" }]] } as never, /value is missing/],
    [
      { global: [[{ op: "add", path: "/machine/kubelet/extraArgs", value: { "max-pods": 110 } }]] },
      /^talos\.patches\.global\[0\]: the result is not a valid config: machine\.kubelet\.extraArgs\.max-pods: must be a string or a list of strings, not 110/,
    ],
    [
      { global: [{ machine: { sysctls: { $patch: "delete" } } }] },
      /^talos\.patches\.global\[0\]: delete machine\.sysctls: not found/,
    ],
    [
      { global: [{ apiVersion: "v1alpha1", kind: "LinkConfig", name: "net1", $patch: "delete" }] },
      /there is no v1alpha1\/LinkConfig\/net1 document to delete/,
    ],
    [
      { worker: [{ cluster: { network: { cni: { name: "weave" } } } }] },
      /^talos\.patches\.worker\[0\]: cluster\.network\.cni\.name: must be one of "flannel", "custom", "none"/,
    ],
  ];
  for (const [patches, re] of cases) {
    const err = await assertRejects(() =>
      Promise.resolve().then(() => generateClusterConfigs(cluster({ patches }), nodes()))
    );
    assertEquals(exitCodeOf(err), 2, String(err));
    assertMatch((err as Error).message, re);
  }
});

Deno.test("a patch that leaves an invalid config is refused naming the node and the patches", async () => {
  const err = await assertRejects(() =>
    Promise.resolve().then(() =>
      generateClusterConfigs(
        cluster({ patches: { nodes: { "w-1": [[{ op: "remove", path: "/machine/install/disk" }]] } } }),
        nodes(),
      )
    )
  );
  assertEquals(exitCodeOf(err), 2);
  assertMatch(
    (err as Error).message,
    /^machine config of node w-1 is not valid for Talos v1\.13 after applying talos\.patches\.nodes\.w-1\[0\]: machine\.install: either install disk or diskSelector should be defined/,
  );
  const vip = await assertRejects(() =>
    Promise.resolve().then(() =>
      generateClusterConfigs(
        cluster({
          patches: {
            worker: [{ apiVersion: "v1alpha1", kind: "Layer2VIPConfig", name: "10.0.3.10", link: "net0" }],
          },
        }),
        nodes(),
      )
    )
  );
  assertMatch(
    (vip as Error).message,
    /Layer2VIPConfig 10\.0\.3\.10: virtual \(shared\) IP is not allowed on non-controlplane nodes/,
  );
});

Deno.test("bad inputs name the config field: Talos and Kubernetes versions, MAC, node names, patches for unknown nodes", async () => {
  const cases: [() => unknown, RegExp][] = [
    [
      () => generateClusterConfigs(cluster({ talosVersion: "v1.11.2" }), nodes()),
      /^talos\.version: strata generates machine configs for Talos v1\.13/,
    ],
    [
      () => generateClusterConfigs(cluster({ kubernetesVersion: "v1.30.0" }), nodes()),
      /^kubernetes\.version: Talos v1\.13 supports Kubernetes 1\.31\.0 to 1\.36\.x/,
    ],
    [
      () => generateClusterConfigs(cluster(), nodes((n) => (n.name === "w-1" ? { mac: "BC:24:11" } : {}))),
      /^nodes\.w-1\.mac: "BC:24:11" is not a MAC address/,
    ],
    [
      () => generateClusterConfigs(cluster(), nodes((n) => (n.name === "w-1" ? { mac: undefined } : {}))),
      /^nodes\.w-1\.mac: the node's MAC address is needed/,
    ],
    [
      () => generateClusterConfigs(cluster({ patches: { nodes: { "cp-9": [] } } }), nodes()),
      /^talos\.patches\.nodes\.cp-9: "cp-9" is not a node name/,
    ],
    [
      () => generateClusterConfigs(cluster(), nodes().filter((n) => n.role === "worker")),
      /at least one node must have role controlplane/,
    ],
    [
      () =>
        generateClusterConfigs(
          cluster(),
          nodes(() => ({ taints: [{ key: "a", effect: "NoSchedule" }, { key: "a", effect: "NoExecute" }] })),
        ),
      /taints: key "a" appears twice/,
    ],
  ];
  for (const [fn, re] of cases) {
    const err = await assertRejects(() => Promise.resolve().then(fn));
    assertEquals(exitCodeOf(err), 2, String(err));
    assertMatch((err as Error).message, re);
  }
});

Deno.test("strata's checks refuse what the official schema refuses (cross-checked with ajv)", () => {
  const good = generateClusterConfigs(cluster(), nodes())[0];
  const mutations: [string, (docs: Doc[]) => void][] = [
    ["unknown field", (d) => ((d[0].machine as Doc).typo = 1)],
    ["wrong type", (d) => ((d[0].machine as Doc).certSANs = "10.0.0.1")],
    ["bad enum", (d) => ((d[0].machine as Doc).type = "master")],
    ["bad pattern", (d) => ((d[0].cluster as Doc).controlPlane = { endpoint: "http://10.0.3.10:6443" })],
    ["missing required", (d) => delete d.find((x) => x.kind === "LinkConfig")!.name],
    ["unknown document", (d) => d.push({ apiVersion: "v1alpha1", kind: "NoSuchConfig" })],
    [
      "address pattern",
      (d) => ((d.find((x) => x.kind === "LinkConfig")!.addresses as Doc[])[0].address = "10.0.1.11"),
    ],
    ["extraArgs value", (d) => ((d[0].machine as Record<string, Doc>).kubelet.extraArgs = { "v": 2 })],
  ];
  for (const [what, mutate] of mutations) {
    const docs = structuredClone(good.documents);
    mutate(docs);
    const ajvFails = docs.some((d) => ajvErrors(d).length > 0);
    assert(ajvFails, `${what}: ajv refuses it`);
    assert(validateMachineConfig(docs).length > 0, `${what}: strata refuses it too`);
  }
  assertEquals(validateMachineConfig(good.yaml), []);
  assertMatch(validateMachineConfig("machine: [")[0].message, /not valid YAML/);
});
