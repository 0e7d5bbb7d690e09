/**
 * Loading a kubeconfig for strata's own use: the text the Talos layer wrote
 * (`.strata/<cluster>/kubeconfig`), parsed by `@kubernetes/client-node`, refusing a context that
 * turns TLS verification off or has no server — strata always talks to its cluster with the
 * cluster CA.
 *
 * @example
 * ```ts
 * const kc = await loadKubeconfig(await Deno.readTextFile(".strata/homelab/kubeconfig"));
 * ```
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { clientNode } from "./client_node.ts";
import { UsageError } from "../errors.ts";

export interface LoadKubeconfigOptions {
  /** Context to use (default: current-context). */
  context?: string;
  /** Where the text came from, for messages. */
  source?: string;
}

export async function loadKubeconfig(text: string, opts: LoadKubeconfigOptions = {}): Promise<KubeConfig> {
  const source = opts.source ?? "the kubeconfig";
  const kc = new (await clientNode()).KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (err) {
    throw new UsageError(`${source} is not a valid kubeconfig: ${(err as Error).message}`);
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      throw new UsageError(`${source} has no context "${opts.context}"`);
    }
    kc.setCurrentContext(opts.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new UsageError(`${source} has no current cluster`, "set current-context to one of its contexts");
  }
  if (!/^https:\/\//.test(cluster.server)) {
    throw new UsageError(`${source}: cluster ${cluster.name} server ${cluster.server} is not https`);
  }
  if (cluster.skipTLSVerify) {
    throw new UsageError(
      `${source}: cluster ${cluster.name} has insecure-skip-tls-verify`,
      "strata verifies the API server with the cluster CA; set certificate-authority-data instead",
    );
  }
  if (!cluster.caData && !cluster.caFile) {
    throw new UsageError(
      `${source}: cluster ${cluster.name} has no certificate-authority(-data)`,
      "use the kubeconfig strata wrote (.strata/<cluster>/kubeconfig), which carries the cluster CA",
    );
  }
  return kc;
}
