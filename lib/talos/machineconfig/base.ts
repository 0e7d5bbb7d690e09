/**
 * The documents `talosctl gen config` writes for one role, for the v1.13 contract: the `v1alpha1`
 * document (machine + cluster) and a `HostnameConfig` document, field for field and in the same key
 * order as siderolabs/talos `pkg/machinery/config/generate` (init.go, controlplane.go, worker.go,
 * network.go). One deliberate difference: `persist: true` is left out. Talos marks it "Deprecated:
 * Not supported anymore", it is absent from the official v1.13 schema, and a config with it does not
 * validate against that schema.
 *
 * @example
 * ```ts
 * const [v1alpha1, hostname] = baseDocuments({ contract, role: "worker", clusterName: "homelab",
 *   endpoint: "https://10.0.3.10:6443", kubernetesVersion: "v1.33.4", secrets });
 * ```
 */
import type { TalosSecretsBundle } from "../secrets.ts";
import type { TalosContract } from "./contract.ts";
import type { Role } from "./types.ts";

export interface BaseInput {
  contract: TalosContract;
  role: Role;
  clusterName: string;
  /** Control plane endpoint URL, `https://<vip>:6443`. */
  endpoint: string;
  /** `v1.33.4` or `1.33.4`. */
  kubernetesVersion: string;
  secrets: TalosSecretsBundle;
  /** `--install-disk`. */
  installDisk?: string;
  /** `--install-image`. */
  installImage?: string;
  /** `--additional-sans`: into `machine.certSANs` and `cluster.apiServer.certSANs`. */
  additionalSANs?: string[];
  dnsDomain?: string;
  podSubnets?: string[];
  serviceSubnets?: string[];
  allowSchedulingOnControlPlanes?: boolean;
}

/** Talos' default kube-apiserver audit policy (`v1alpha1.APIServerDefaultAuditPolicy`). */
const DEFAULT_AUDIT_POLICY = {
  apiVersion: "audit.k8s.io/v1",
  kind: "Policy",
  rules: [{ level: "Metadata" }],
};

/** The PodSecurity admission config `gen config` adds (Go marshals the map with sorted keys). */
const POD_SECURITY = {
  name: "PodSecurity",
  configuration: {
    apiVersion: "pod-security.admission.config.k8s.io/v1alpha1",
    defaults: {
      audit: "restricted",
      "audit-version": "latest",
      enforce: "baseline",
      "enforce-version": "latest",
      warn: "restricted",
      "warn-version": "latest",
    },
    exemptions: { namespaces: ["kube-system"], runtimeClasses: [], usernames: [] },
    kind: "PodSecurityConfiguration",
  },
};

/** The v1alpha1 document and the HostnameConfig document for a role. */
export function baseDocuments(input: BaseInput): Record<string, unknown>[] {
  const k8s = input.kubernetesVersion.replace(/^v/, "");
  const s = input.secrets;
  const controlPlane = input.role === "controlplane";
  const sans = [...(input.additionalSANs ?? [])];

  const install: Record<string, unknown> = {};
  if (input.installDisk) install.disk = input.installDisk;
  if (input.installImage) install.image = input.installImage;
  install.wipe = false;
  install.grubUseUKICmdline = true;

  const machine: Record<string, unknown> = {
    type: input.role,
    token: s.trustdinfo.token,
    ca: controlPlane ? { crt: s.certs.os.crt, key: s.certs.os.key } : { crt: s.certs.os.crt, key: "" },
    certSANs: sans,
    kubelet: {
      image: `ghcr.io/siderolabs/kubelet:v${k8s}`,
      defaultRuntimeSeccompProfileEnabled: true,
      disableManifestsDirectory: true,
    },
    install,
    features: {
      diskQuotaSupport: true,
      kubePrism: { enabled: true, port: 7445 },
      hostDNS: { enabled: true, forwardKubeDNSToHost: true },
    },
  };
  if (controlPlane) machine.nodeLabels = { "node.kubernetes.io/exclude-from-external-load-balancers": "" };

  const network = {
    dnsDomain: input.dnsDomain ?? "cluster.local",
    podSubnets: input.podSubnets ?? ["10.244.0.0/16"],
    serviceSubnets: input.serviceSubnets ?? ["10.96.0.0/12"],
  };
  const discovery = { enabled: true, registries: { kubernetes: { disabled: true }, service: {} } };

  let cluster: Record<string, unknown>;
  if (controlPlane) {
    const apiServer: Record<string, unknown> = { image: `registry.k8s.io/kube-apiserver:v${k8s}` };
    if (sans.length) apiServer.certSANs = [...sans];
    apiServer.admissionControl = [structuredClone(POD_SECURITY)];
    apiServer.auditPolicy = structuredClone(DEFAULT_AUDIT_POLICY);
    cluster = {
      id: s.cluster.id,
      secret: s.cluster.secret,
      controlPlane: { endpoint: input.endpoint },
      clusterName: input.clusterName,
      network,
      token: s.secrets.bootstraptoken,
      ...(s.secrets.secretboxencryptionsecret
        ? { secretboxEncryptionSecret: s.secrets.secretboxencryptionsecret }
        : { aescbcEncryptionSecret: s.secrets.aescbcencryptionsecret }),
      ca: { crt: s.certs.k8s.crt, key: s.certs.k8s.key },
      aggregatorCA: { crt: s.certs.k8saggregator.crt, key: s.certs.k8saggregator.key },
      serviceAccount: { key: s.certs.k8sserviceaccount.key },
      apiServer,
      controllerManager: { image: `registry.k8s.io/kube-controller-manager:v${k8s}` },
      proxy: { image: `registry.k8s.io/kube-proxy:v${k8s}` },
      scheduler: { image: `registry.k8s.io/kube-scheduler:v${k8s}` },
      discovery,
      etcd: { ca: { crt: s.certs.etcd.crt, key: s.certs.etcd.key } },
    };
    if (input.allowSchedulingOnControlPlanes) cluster.allowSchedulingOnControlPlanes = true;
  } else {
    cluster = {
      id: s.cluster.id,
      secret: s.cluster.secret,
      controlPlane: { endpoint: input.endpoint },
      clusterName: input.clusterName,
      network,
      token: s.secrets.bootstraptoken,
      ca: { crt: s.certs.k8s.crt, key: "" },
      discovery,
    };
  }

  return [
    { version: "v1alpha1", debug: false, machine, cluster },
    { apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "stable" },
  ];
}
