/**
 * strata's Kubernetes client: load a kubeconfig, apply manifests by server-side apply, wait for
 * conditions, rollouts and sets of objects with watches (falling back to polling) under the clock.
 *
 * @example
 * ```ts
 * import { applyManifests, KubeClient, parseManifests, waitForRollout } from "../kube/mod.ts";
 * const kube = await KubeClient.fromKubeconfig(text, { clock });
 * await applyManifests(kube, parseManifests(yaml));
 * ```
 */
export * from "./client.ts";
export * from "./kubeconfig.ts";
export * from "./manifests.ts";
export * from "./transport.ts";
export * from "./wait.ts";
