/**
 * Preflight checks of layer 01 that read only the config: the Talos version has a machine-config
 * generator, Kubernetes runs on that Talos, and the pinned Cilium supports that Kubernetes. They
 * run up front, before anything is touched, each naming the config field to change.
 */
import { ciliumSupportsKubernetes } from "../../lib/cilium/compat.ts";
import { UsageError } from "../../lib/errors.ts";
import type { CheckResult } from "../../lib/preflight/registry.ts";
import { registerCheck } from "../../lib/preflight/registry.ts";
import { checkKubernetesVersion, talosContract } from "../../lib/talos/machineconfig/contract.ts";

const layers = ["01-infrastructure" as const];

/** A UsageError from the contract as a failed check with its remedy. */
function failure(err: unknown): CheckResult {
  if (!(err instanceof UsageError)) throw err;
  return { status: "fail", message: err.message, remedy: err.remedy };
}

registerCheck({
  id: "talos-version",
  description: "strata generates machine configs for the configured Talos version",
  layers,
  run: ({ env }) => {
    try {
      const c = talosContract(env.config.talos.version);
      return { status: "pass", message: `Talos ${c.version} (machine config contract ${c.minor})` };
    } catch (err) {
      return failure(err);
    }
  },
});

registerCheck({
  id: "kubernetes-version",
  description: "the configured Talos version supports the configured Kubernetes version",
  layers,
  run: ({ env }) => {
    const { talos, kubernetes } = env.config;
    try {
      checkKubernetesVersion(talosContract(talos.version), kubernetes.version);
      return { status: "pass", message: `Kubernetes ${kubernetes.version} on Talos ${talos.version}` };
    } catch (err) {
      return failure(err);
    }
  },
});

registerCheck({
  id: "cilium-version",
  description: "the pinned Cilium version supports the configured Kubernetes version",
  layers,
  run: ({ env }) => {
    const { cilium, kubernetes } = env.config;
    const c = ciliumSupportsKubernetes(cilium.version, kubernetes.version);
    if (c.ok) return { status: "pass", message: c.message };
    if (c.ok === undefined) {
      return {
        status: "warn",
        message: c.message,
        remedy:
          "check Cilium's Kubernetes compatibility table yourself, or pin a Cilium version strata knows",
      };
    }
    return {
      status: "fail",
      message: c.message,
      remedy:
        "set cilium.version to a release that supports kubernetes.version (or change kubernetes.version)",
    };
  },
});
