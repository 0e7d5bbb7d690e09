/**
 * Test helpers for the Kubernetes emulator: a cluster CA, an admin client certificate and a
 * kubeconfig for it, the emulator served over HTTPS on a loopback address, and a strata client.
 */
import type { Clock } from "../../lib/clock/clock.ts";
import { createCa, encodePrivateKeyPem, issueClientCertificate } from "../../lib/pki/mod.ts";
import { KubeClient } from "../../lib/kube/mod.ts";
import { type LatencyProfile, PROFILES } from "../../lab/profile.ts";
import { seededRandom } from "../../lab/random.ts";
import { LabWorld } from "../../lab/world.ts";
import { type RunningKubeEmulator, startKubeEmulator } from "../../lab/kube/emulator.ts";

export interface TestKube {
  kube: RunningKubeEmulator;
  kubeconfig: string;
  client: KubeClient;
  caPem: string;
  close(): Promise<void>;
}

/** A kubeconfig for `server` with the CA and a client certificate (PEM). */
export function kubeconfigText(server: string, caPem: string, certPem: string, keyPem: string): string {
  const b64 = (s: string) => btoa(s);
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: lab`,
    `  cluster:`,
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(caPem)}`,
    "users:",
    "- name: admin",
    "  user:",
    `    client-certificate-data: ${b64(certPem)}`,
    `    client-key-data: ${b64(keyPem)}`,
    "contexts:",
    "- name: admin@lab",
    "  context: {cluster: lab, user: admin}",
    "current-context: admin@lab",
    "",
  ].join("\n");
}

export async function startTestKube(opts: {
  clock: Clock;
  profile?: LatencyProfile;
  world?: LabWorld;
  address?: string;
  user?: { name: string; groups: string[] };
  cniNeverStarts?: string[];
}): Promise<TestKube> {
  const ca = await createCa({
    keyType: "ecdsa-p256",
    subject: { organization: ["kubernetes"], commonName: "kubernetes" },
  });
  const user = opts.user ?? { name: "admin", groups: ["system:masters"] };
  const cert = await issueClientCertificate({ ca, commonName: user.name, organization: user.groups });
  const kube = await startKubeEmulator({
    world: opts.world ?? LabWorld.memory(),
    clock: opts.clock,
    profile: opts.profile ?? PROFILES.fast,
    random: seededRandom(7),
    address: opts.address ?? "127.0.9.10",
    port: 0,
    ca,
    apiServerIps: ["10.0.1.11"],
    cniNeverStarts: opts.cniNeverStarts,
  });
  const kubeconfig = kubeconfigText(
    kube.url,
    ca.certificate,
    cert.certificate,
    encodePrivateKeyPem(cert.privateKey),
  );
  const client = await KubeClient.fromKubeconfig(kubeconfig, { clock: opts.clock });
  return { kube, kubeconfig, client, caPem: ca.certificate, close: () => kube.close() };
}

/** Registers nodes as their kubelets would after the Talos machines joined. */
export function registerNodes(
  kube: RunningKubeEmulator,
  n: { workers: number; controlPlanes: number },
): string[] {
  const names: string[] = [];
  for (let i = 1; i <= n.controlPlanes; i++) {
    kube.registerNode({
      name: `cp-${i}`,
      ip: `10.0.1.${10 + i}`,
      role: "controlplane",
      taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
    });
    names.push(`cp-${i}`);
  }
  for (let i = 1; i <= n.workers; i++) {
    kube.registerNode({ name: `w-${i}`, ip: `10.0.2.${10 + i}`, role: "worker" });
    names.push(`w-${i}`);
  }
  return names;
}

export const fastRandom = seededRandom;

/** A DaemonSet the emulator treats as the CNI agent (kube-system, k8s-app=cilium). */
export const CNI_DAEMONSET = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: cilium, namespace: kube-system}
spec:
  selector: {matchLabels: {k8s-app: cilium}}
  template:
    metadata: {labels: {k8s-app: cilium}}
    spec:
      hostNetwork: true
      tolerations: [{operator: Exists}]
      containers: [{name: cilium-agent, image: "quay.io/cilium/cilium:v1.18.2"}]
`;

/** Whether a command is on PATH (the kubectl tests skip without it). */
export async function haveCommand(cmd: string): Promise<boolean> {
  const out = await new Deno.Command("sh", {
    args: ["-c", `command -v ${cmd}`],
    stdout: "null",
    stderr: "null",
  })
    .output().catch(() => undefined);
  return out?.success ?? false;
}
