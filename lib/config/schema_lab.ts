/**
 * The `lab` section: how the built-in lab behaves. Read only with `--lab`.
 *
 * @example
 * ```ts
 * LabSchema.parse({}); // { profile: "fast", seed: 1, faults: {}, foreignVms: [], ciliumNeverStarts: [] }
 * ```
 */
import { z } from "zod";
import { FORMATS, formatSchema } from "./formats.ts";
import { fraction, listOf, oneOf, section, text, wholeNumber } from "./schema_parts.ts";

/** The emulated systems that take fault knobs. */
export const LAB_SYSTEMS = ["proxmox", "ssh", "factory", "talos", "kube"] as const;

export const FaultKnobsSchema = section({
  errorRate: fraction(0, 1, "a probability").optional().describe(
    "Share of requests answered with the system's transient error (e.g. 503).",
  ),
  spikeRate: fraction(0, 1, "a probability").optional().describe("Share of requests delayed by spikeMs."),
  spikeMs: wholeNumber(0, 3_600_000, "virtual milliseconds").optional().describe(
    "Delay of a spike, in virtual ms (default 5000).",
  ),
  dropRate: fraction(0, 1, "a probability").optional().describe(
    "Share of connections dropped without an answer.",
  ),
  seed: z.number({ error: "must be a whole number" }).int().optional().describe(
    "Seed of this system's faults (default lab.seed).",
  ),
}, "fault knobs");

export const ForeignVmSchema = section({
  host: text("a proxmox.hosts[].name").describe("Proxmox host the VM is on."),
  vmid: wholeNumber(100, 999_999_999, "a Proxmox VM id").describe("Its VM id."),
  name: formatSchema(FORMATS.dnsLabel).describe("Its name."),
}, "a foreign VM");

/** The content types a lab storage can hold (pve-storage's). */
export const LAB_STORAGE_CONTENT = [
  "images",
  "rootdir",
  "import",
  "iso",
  "vztmpl",
  "backup",
  "snippets",
] as const;

export const SharedStorageSchema = section({
  id: text("a Proxmox storage id").regex(/^[a-z][a-z0-9\-_.]*[a-z0-9]$/, {
    error:
      "must be a Proxmox storage id (a letter, then a-z, 0-9, '-', '_' or '.', ending in a letter or digit)",
  }).describe(
    "Storage id, the same on every host (e.g. nfs-images); use it as proxmox.hosts[].imageStorage.",
  ),
  type: oneOf(["nfs", "cephfs", "dir"]).default("nfs").describe(
    "Storage type: nfs, cephfs, or dir (a directory on a shared mount). All are file based.",
  ),
  content: listOf(oneOf(LAB_STORAGE_CONTENT), "content type", 1).default(["import", "iso"]).describe(
    "Content types the storage holds (import for the Talos image, images for VM disks).",
  ),
  sizeGiB: wholeNumber(1, 1_048_576, "GiB").default(1024).describe(
    "Size in GiB, one free space for all hosts.",
  ),
}, "a shared storage");

export const LabSchema = section({
  profile: oneOf(["fast", "realistic"]).default("fast").describe(
    "Latency profile: fast (milliseconds, for tests) or realistic (what real hardware takes).",
  ),
  scale: z.number({ error: "must be a number > 0 (virtual ms per real ms)" })
    .positive({ error: "must be > 0 (virtual ms per real ms)" }).optional()
    .describe("Time scale, virtual ms per real ms. Default: 1 for fast, 100 for realistic."),
  seed: z.number({ error: "must be a whole number" }).int({ error: "must be a whole number" }).default(1)
    .describe("Seed of every random choice in the lab (latencies, faults), so a run can be replayed."),
  faults: section(
    Object.fromEntries(
      LAB_SYSTEMS.map((
        s,
      ) => [s, FaultKnobsSchema.optional().describe(`Fault injection for the ${s} emulator.`)]),
    ) as Record<(typeof LAB_SYSTEMS)[number], z.ZodOptional<typeof FaultKnobsSchema>>,
    "fault knobs per system",
  ).default({}).describe("Fault injection per emulated system."),
  foreignVms: listOf(ForeignVmSchema, "foreign VM").default([]).describe(
    "VMs the lab creates before strata runs, as if made by someone else; strata must never touch them.",
  ),
  sharedStorages: listOf(SharedStorageSchema, "shared storage").optional().describe(
    "Storages shared by every lab host (shared 1 in the cluster's storage config): one set of files and " +
      "one free space, seen from each host; local and local-lvm stay per host.",
  ),
  ciliumNeverStarts: listOf(formatSchema(FORMATS.dnsLabel), "node name").default([]).describe(
    "Nodes whose Cilium agent pod never starts (to rehearse a broken node: layer 01 fails naming it).",
  ),
}, "the lab").prefault({});
