/**
 * `@kubernetes/client-node`, loaded on first use. Importing it takes about half a second, which
 * every strata command would pay at start although most never talk to Kubernetes.
 *
 * @example
 * ```ts
 * const { KubeConfig } = await clientNode();
 * ```
 */
export type ClientNode = typeof import("@kubernetes/client-node");

let loading: Promise<ClientNode> | undefined;

export function clientNode(): Promise<ClientNode> {
  return loading ??= import("@kubernetes/client-node");
}
