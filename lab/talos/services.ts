/**
 * The services a Talos node reports (`talosctl services`), with state, events and health as
 * machined's service runner has them: every service first waits for its dependencies, runs its
 * pre-state, then runs and passes (or not yet) its health check. etcd on a control plane stays in
 * its pre-state ("Preparing") until the node is bootstrapped or has joined the cluster, runs
 * unhealthy while it is a learner, and healthy once promoted.
 *
 * @example
 * ```ts
 * const list = nodeServices({ role: "controlplane", upAt, etcd: { addedAt, promotedAt } }, clock.now());
 * list.find((s) => s.id === "etcd")!.state; // "Running"
 * ```
 */
import { type ServiceInfo, timestampOf } from "../../lib/talos/api/messages.ts";

export interface ServiceInputs {
  /** Undefined in maintenance mode. */
  role?: "controlplane" | "worker";
  /** When apid came up (virtual ms). */
  upAt: number;
  /** This node's etcd membership, if it has one. */
  etcd?: { addedAt: number; promotedAt: number };
}

type Event = { msg: string; state: string; at: number };

function service(
  id: string,
  events: Event[],
  health: { unknown: boolean; healthy: boolean; lastMessage: string; at: number },
): ServiceInfo {
  return {
    id,
    state: events[events.length - 1].state,
    events: { events: events.map((e) => ({ msg: e.msg, state: e.state, ts: timestampOf(e.at) })) },
    health: {
      unknown: health.unknown,
      healthy: health.healthy,
      lastMessage: health.lastMessage,
      lastChange: timestampOf(health.at),
    },
  };
}

function running(id: string, since: number, opts: { health?: boolean; pid?: number } = {}): ServiceInfo {
  const events: Event[] = [
    { msg: "Running pre state", state: "Preparing", at: since },
    { msg: "Creating service runner", state: "Preparing", at: since },
    { msg: `Started task ${id} (PID ${opts.pid ?? 1000}) for container ${id}`, state: "Running", at: since },
  ];
  if (opts.health === false) {
    return service(id, events, { unknown: true, healthy: false, lastMessage: "", at: since });
  }
  events.push({ msg: "Health check successful", state: "Running", at: since });
  return service(id, events, { unknown: false, healthy: true, lastMessage: "", at: since });
}

function etcdService(since: number, membership: ServiceInputs["etcd"], now: number): ServiceInfo {
  const waiting: Event[] = [
    {
      msg: 'Waiting for service "cri" to be "up", time sync, network, etcd spec',
      state: "Waiting",
      at: since,
    },
    { msg: "Running pre state", state: "Preparing", at: since },
  ];
  if (!membership || now < membership.addedAt) {
    // the pre-state waits for Bootstrap (first node) or for the join to the existing cluster
    return service("etcd", waiting, { unknown: true, healthy: false, lastMessage: "", at: since });
  }
  const started = Math.max(since, membership.addedAt);
  const events: Event[] = [
    ...waiting,
    { msg: "Creating service runner", state: "Preparing", at: started },
    { msg: "Started task etcd (PID 2345) for container etcd", state: "Running", at: started },
  ];
  if (now < membership.promotedAt) {
    return service("etcd", events, {
      unknown: false,
      healthy: false,
      lastMessage: "etcd member is a learner, waiting to be promoted",
      at: started,
    });
  }
  const healthyAt = Math.max(started, membership.promotedAt);
  events.push({ msg: "Health check successful", state: "Running", at: healthyAt });
  return service("etcd", events, { unknown: false, healthy: true, lastMessage: "", at: healthyAt });
}

/** The node's services at `now`, sorted by id as machined lists them. */
export function nodeServices(inputs: ServiceInputs, now: number): ServiceInfo[] {
  const t = inputs.upAt;
  if (!inputs.role) {
    // maintenance mode: the installer has not run, Kubernetes and etcd do not exist yet
    return [running("apid", t), running("machined", t), running("udevd", t)];
  }
  const list = [
    running("apid", t, { pid: 1501 }),
    running("auditd", t, { pid: 1101 }),
    running("containerd", t, { pid: 1201 }),
    running("cri", t, { pid: 1301 }),
    running("dashboard", t, { health: false, pid: 1401 }),
    running("kubelet", t, { pid: 2101 }),
    running("machined", t, { pid: 1 }),
    running("syslogd", t, { pid: 1102 }),
    running("udevd", t, { pid: 1103 }),
  ];
  if (inputs.role === "controlplane") {
    list.push(etcdService(t, inputs.etcd, now), running("trustd", t, { pid: 1601 }));
  }
  return list.sort((a, b) => (a.id < b.id ? -1 : 1));
}
