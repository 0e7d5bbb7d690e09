/**
 * The Endpoints controller: a Service with a selector gets Endpoints listing its pods' IPs — ready
 * ones under `addresses`, the others under `notReadyAddresses` — with the Service's ports.
 *
 * @example
 * ```ts
 * new ControllerManager(ctx, [endpointsController()]);
 * ```
 */
import { selectorFromObject } from "../selectors.ts";
import { jsonEqual } from "../types.ts";
import { isPodReady, keyOf, type Obj, splitKey } from "./common.ts";
import type { Controller } from "./manager.ts";

const MANAGER = "kube-controller-manager";

export function endpointsController(): Controller {
  return {
    name: "endpoints",
    keysFor(e, ctx) {
      if (e.group === "" && e.resource === "services" && e.type !== "DELETED") return [keyOf(e.object)];
      if (e.group === "" && e.resource === "pods") {
        return ctx.cluster.scan(ctx.cluster.resource("", "services"), e.namespace)
          .filter((s) => s.spec?.selector).map(keyOf);
      }
      return [];
    },
    initialKeys: (ctx) =>
      ctx.cluster.scan(ctx.cluster.resource("", "services")).filter((s) => s.spec?.selector).map(keyOf),
    reconcile(key, ctx) {
      const [ns, name] = splitKey(key);
      const svc = ctx.cluster.peek(ctx.cluster.resource("", "services"), ns, name);
      if (!svc?.spec?.selector || svc.metadata.deletionTimestamp) return;
      const sel = selectorFromObject({ matchLabels: svc.spec.selector });
      const pods = ctx.cluster.scan(ctx.cluster.resource("", "pods"), ns)
        .filter((p) => sel.matches(p.metadata.labels) && p.status?.podIP && !p.metadata.deletionTimestamp);
      const addr = (p: Obj) => ({
        ip: p.status.podIP,
        nodeName: p.spec.nodeName,
        targetRef: { kind: "Pod", name: p.metadata.name, namespace: ns, uid: p.metadata.uid },
      });
      const ready = pods.filter(isPodReady).map(addr);
      const notReady = pods.filter((p) => !isPodReady(p)).map(addr);
      const ports = ((svc.spec.ports ?? []) as Obj[]).map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: typeof p.targetPort === "number" ? p.targetPort : p.port,
        protocol: p.protocol ?? "TCP",
      }));
      const subsets = ready.length || notReady.length
        ? [{
          ...(ready.length ? { addresses: ready } : {}),
          ...(notReady.length ? { notReadyAddresses: notReady } : {}),
          ports,
        }]
        : undefined;
      const rt = ctx.cluster.resource("", "endpoints");
      const cur = ctx.cluster.peek(rt, ns, name);
      const body = {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: { ...(cur?.metadata ?? {}), name, namespace: ns, labels: svc.metadata.labels },
        ...(subsets ? { subsets } : {}),
      };
      if (!cur) ctx.cluster.create(rt, ns, body, { manager: MANAGER });
      else if (!jsonEqual(cur.subsets, subsets)) ctx.cluster.update(rt, ns, name, body, { manager: MANAGER });
    },
  };
}
