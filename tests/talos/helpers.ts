/** Shared fixtures for the Talos tests: the official specs, an ajv validator, a sample cluster. */
import Ajv2020 from "ajv/dist/2020.js";
import { parseTalosSecrets, type TalosSecretsBundle } from "../../lib/talos/secrets.ts";
import type { ClusterInput, NodeInput } from "../../lib/talos/machineconfig/types.ts";

/** `/work/shared/specs/talos/` from the repo root. */
export const SPECS = new URL("../../../shared/specs/talos/", import.meta.url);

export async function readSpec(path: string): Promise<string> {
  return await Deno.readTextFile(new URL(path, SPECS));
}

export const secrets: TalosSecretsBundle = parseTalosSecrets(
  await readSpec("examples/stability-secrets-bundle.yaml"),
);

// deno-lint-ignore no-explicit-any
type Json = any;

/** The official v1.13.9 schema. */
export const schema: Json = JSON.parse(await readSpec("config.schema.v1.13.9.json"));

// deno-lint-ignore no-explicit-any
const ajv = new (Ajv2020 as any)({ strict: false, allErrors: true, validateFormats: false });
const validate = ajv.compile(schema);

/** ajv's verdict on one document against the official schema: [] when valid. */
export function ajvErrors(doc: unknown): string[] {
  if (validate(doc)) return [];
  // the root is a oneOf over document kinds; report the errors of the branch for this kind
  const errors = (validate.errors ?? []) as {
    instancePath: string;
    schemaPath: string;
    message: string;
    params: Json;
  }[];
  return errors.map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
}

export const INSTALL_IMAGE =
  "factory.talos.dev/nocloud-installer/dc7b152cb3ea99b821fcb7340ce7168313ce393d663740b791c36f6e95fc8586:v1.13.9";

export function cluster(extra: Partial<ClusterInput> = {}): ClusterInput {
  return {
    name: "homelab",
    vip: "10.0.3.10",
    kubernetesVersion: "v1.33.4",
    talosVersion: "v1.13.9",
    secrets,
    installImage: INSTALL_IMAGE,
    nameservers: ["10.0.0.1", "1.1.1.1"],
    dnsNames: ["k8s.example.com"],
    mtu: 1500,
    ...extra,
  };
}

/** 3 control planes and 2 workers on 10.0.0.0/16; control planes on VirtIO SCSI, workers on VirtIO block. */
export function nodes(extra: (n: NodeInput) => Partial<NodeInput> = () => ({})): NodeInput[] {
  const list: NodeInput[] = [
    ...[1, 2, 3].map((i): NodeInput => ({
      name: `cp-${i}`,
      role: "controlplane",
      ip: `10.0.1.1${i}`,
      prefix: 16,
      gateway: "10.0.0.1",
      mac: `BC:24:11:00:01:1${i}`,
      disk: { bus: "scsi" },
    })),
    ...[1, 2].map((i): NodeInput => ({
      name: `w-${i}`,
      role: "worker",
      ip: `10.0.2.2${i}`,
      prefix: 16,
      gateway: "10.0.0.1",
      mac: `BC:24:11:00:02:2${i}`,
      disk: { bus: "virtio" },
      labels: { "topology.kubernetes.io/zone": `z${i}` },
      taints: i === 2 ? [{ key: "dedicated", value: "storage", effect: "NoSchedule" }] : [],
    })),
  ];
  return list.map((n) => ({ ...n, ...extra(n) }));
}
