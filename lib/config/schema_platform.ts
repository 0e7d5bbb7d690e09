/**
 * Config sections for what runs on the machines: `talos`, `kubernetes`, `cilium` and `flux`.
 *
 * @example
 * ```ts
 * TalosSchema.parse({}).version; // "v1.13.9"
 * ```
 */
import { z } from "zod";
import { FORMATS, formatSchema, typeMessage, urlFormat } from "./formats.ts";
import { flag, listOf, oneOf, section, text, wholeNumber } from "./schema_parts.ts";

/** The Talos version strata generates configs for when the config names none. */
export const DEFAULT_TALOS_VERSION = "v1.13.9";
export const DEFAULT_KUBERNETES_VERSION = "v1.33.4";
export const DEFAULT_CILIUM_VERSION = "1.18.2";

/** One RFC 6902 operation. `value` for add/replace/test and `from` for move/copy are checked in rules. */
export const JsonPatchOperationSchema = section({
  op: oneOf(["add", "remove", "replace", "move", "copy", "test"]).describe("RFC 6902 operation."),
  path: z.string({ error: (issue) => typeMessage("a JSON pointer like /machine/network", issue.input) })
    .regex(/^(\/([^~]|~[01])*)*$/, { error: "must be a JSON pointer like /machine/network/hostname" })
    .describe("JSON pointer to the target."),
  from: z.string({ error: (issue) => typeMessage("a JSON pointer", issue.input) })
    .regex(/^(\/([^~]|~[01])*)*$/, { error: "must be a JSON pointer like /machine/network/hostname" })
    .optional().describe("Source pointer of move and copy."),
  value: z.unknown().optional().describe("Value of add, replace and test."),
}, "a JSON 6902 operation");

/** A Talos config patch: a strategic-merge document, or a list of JSON 6902 operations. */
export const PatchSchema = z.union([
  z.record(z.string(), z.unknown()).describe("A strategic-merge patch: a partial machine config document."),
  z.array(JsonPatchOperationSchema).describe("A JSON 6902 patch: a list of operations."),
], {
  error: "must be a strategic-merge patch (a mapping) or a JSON 6902 patch (a list of {op, path, value})",
});

const patchList = (scope: string) =>
  listOf(PatchSchema, "patch").default([]).describe(`Patches for ${scope}, applied in order.`);

export const TalosSchema = section({
  version: formatSchema(FORMATS.talosVersion).default(DEFAULT_TALOS_VERSION).describe(
    "Talos version of the image and of the generated machine configs.",
  ),
  factory: formatSchema(urlFormat({
    protocols: ["http", "https"],
    example: "https://factory.talos.dev",
    what: "the Image Factory",
  })).default("https://factory.talos.dev").describe("Image Factory URL (a mirror or an air-gapped factory)."),
  extensions: listOf(formatSchema(FORMATS.extension), "extension")
    .default(["siderolabs/qemu-guest-agent"]).describe(
      "System extensions baked into the image (siderolabs/qemu-guest-agent lets Proxmox see the guest).",
    ),
  cpuType: oneOf(
    ["host", "x86-64-v2-AES"],
    "kvm64, Proxmox's default, lacks the CPU features Talos needs and boot-loops it",
  ).default("host").describe(
    "Proxmox CPU type: host, or x86-64-v2-AES for clusters of mixed CPUs. Never kvm64: Talos boot-loops on it.",
  ),
  diskBus: oneOf(["scsi", "virtio"], "VirtIO SCSI or VirtIO block").default("scsi").describe(
    "System disk bus: scsi (VirtIO SCSI, /dev/sda) or virtio (VirtIO block, /dev/vda).",
  ),
  allowSchedulingOnControlPlanes: flag().default(false).describe(
    "Let ordinary pods run on control planes (needed when there is no worker).",
  ),
  patches: section({
    global: patchList("every node"),
    controlplane: patchList("control planes"),
    worker: patchList("workers"),
    nodes: z.record(z.string(), patchList("one node"), {
      error: (issue) =>
        issue.input === undefined ? undefined : "must be a mapping of node names to patch lists",
    }).default({}).describe("Patches per node, by node name."),
  }, "Talos patches").prefault({}).describe(
    "Your own machine config patches, applied after strata's settings: global, then per role, then per node.",
  ),
}, "Talos").prefault({});

export const KubernetesSchema = section({
  version: formatSchema(FORMATS.kubernetesVersion).default(DEFAULT_KUBERNETES_VERSION).describe(
    "Kubernetes version (must be supported by the Talos version).",
  ),
  dnsNames: listOf(formatSchema(FORMATS.dnsName), "DNS name").default([]).describe(
    "Extra DNS names in the API server certificate (the VIP and control-plane IPs are always in it).",
  ),
}, "Kubernetes").prefault({});

export const CiliumSchema = section({
  version: formatSchema(FORMATS.ciliumVersion).default(DEFAULT_CILIUM_VERSION).describe(
    "Cilium version installed by the infrastructure layer; a new version upgrades it.",
  ),
  ipam: oneOf(["kubernetes", "cluster-pool"]).default("kubernetes").describe(
    "IPAM mode: kubernetes (pod ranges from the node's podCIDR) or cluster-pool (Cilium's own, from podCidr).",
  ),
  routingMode: oneOf(["tunnel", "native"]).default("tunnel").describe(
    "tunnel (VXLAN, works anywhere) or native (direct routes between nodes on one L2 network).",
  ),
  mtu: wholeNumber(1280, 9216, "an MTU").optional().describe(
    "MTU Cilium uses; at most network.mtu. Default: detected from the node interface.",
  ),
}, "Cilium").prefault({});

export const FluxSchema = section({
  url: formatSchema(FORMATS.gitUrl).describe(
    "URL of the GitOps repository Flux syncs (ssh:// with the deploy key layer 00 makes).",
  ),
  branch: text("a git branch name").default("main").describe("Branch Flux follows."),
  path: formatSchema(FORMATS.repoPath).default("flux").describe("Folder in the repository Flux applies."),
  knownHosts: text("known_hosts line(s) of the git host").describe(
    "known_hosts line(s) of the git host (`ssh-keyscan github.com`); Flux verifies the host with them.",
  ),
}, "Flux");
