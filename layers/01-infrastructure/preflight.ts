/**
 * Preflight checks of layer 01 against each Proxmox host's API, run right before the layer (they
 * use the token layer 00 creates): API and token, privileges, nodes, storages and their content
 * types, free space, memory, bridges, vmids, and the Image Factory.
 */
import { registerCheck } from "../../lib/preflight/registry.ts";
import { withTimeout } from "../../lib/clock/clock.ts";
import type { CheckResult } from "../../lib/preflight/registry.ts";
import type { RunEnv } from "../../lib/run/env.ts";
import { proxmoxClientFor } from "../../lib/run/proxmox.ts";
import type { ProxmoxClient } from "../../lib/proxmox/client.ts";
import { createSchematic } from "../../lib/talos/factory/schematic.ts";
import { FACTORY_ADDRESS, FACTORY_PORT } from "../../lab/factory/emulator.ts";
import { PROVISIONER_PRIVILEGES } from "../00-persistent-auth/proxmox.ts";
import { clusterTag, vmStepId } from "./vms.ts";

const GiB = 1024 ** 3;

/** Runs `check` per host with a client; a host without layer-00 state is a warning. */
async function perHost(
  env: RunEnv,
  check: (pve: ProxmoxClient, host: RunEnv["config"]["proxmox"]["hosts"][number]) => Promise<CheckResult>,
): Promise<CheckResult> {
  const results: CheckResult[] = [];
  for (const host of env.config.proxmox.hosts) {
    if (!env.state.step(`auth.proxmox-access.${host.name}`)) {
      results.push({ status: "warn", message: `${host.name}: layer 00 has not created the API token yet` });
      continue;
    }
    const pve = await proxmoxClientFor(env, host.name);
    try {
      const r = await check(pve, host);
      results.push({ ...r, message: `${host.name}: ${r.message ?? "ok"}` });
    } finally {
      pve.close();
    }
  }
  const worst = results.find((r) => r.status === "fail") ?? results.find((r) => r.status === "warn");
  return {
    status: worst?.status ?? "pass",
    message: results.map((r) => r.message).join("; "),
    remedy: results.map((r) => r.remedy).filter(Boolean).join("; ") || undefined,
  };
}

const layers = ["01-infrastructure" as const];

registerCheck({
  id: "proxmox-api",
  description: "Proxmox API reachable over verified TLS, token valid, with every privilege layer 01 needs",
  layers,
  beforeLayer: true,
  run: ({ env }) =>
    perHost(env, async (pve) => {
      const version = await pve.get<{ version: string }>("/version");
      const perms = await pve.get<Record<string, Record<string, number>>>("/access/permissions", {
        path: "/",
      });
      const missing = PROVISIONER_PRIVILEGES.filter((p) => !perms["/"]?.[p]);
      return missing.length
        ? {
          status: "fail",
          message: `token strata@pve!strata lacks ${missing.join(", ")} on /`,
          remedy: "re-run layer 00 (it resets the StrataProvisioner role), or grant them by hand",
        }
        : { status: "pass", message: `PVE ${version.version}` };
    }),
});

registerCheck({
  id: "proxmox-capacity",
  description: "nodes, storages (content types, free space), memory and bridges for the configured VMs",
  layers,
  beforeLayer: true,
  run: ({ env }) =>
    perHost(env, async (pve, host) => {
      const nodes = env.config.nodes.filter((n) => n.host === host.name);
      if (!(await pve.get<{ node: string }[]>("/nodes")).some((n) => n.node === host.name)) {
        return {
          status: "fail",
          message: `no node named ${host.name}`,
          remedy: `fix proxmox.hosts name ${host.name}`,
        };
      }
      const storages = await pve.get<{ storage: string; content: string; avail: number }[]>(
        `/nodes/${host.name}/storage`,
      );
      const problems: string[] = [];
      const vmStorage = storages.find((s) => s.storage === host.storage);
      const imageStorage = storages.find((s) => s.storage === host.imageStorage);
      if (!vmStorage?.content.split(",").includes("images")) {
        problems.push(`storage ${host.storage} missing or without content 'images'`);
      }
      if (!imageStorage?.content.split(",").includes("import")) {
        problems.push(`storage ${host.imageStorage} missing or without content 'import'`);
      }
      const need = nodes.reduce((a, n) => a + n.diskGiB, 0) * GiB;
      if (vmStorage && vmStorage.avail < need) {
        problems.push(
          `${host.storage} has ${Math.floor(vmStorage.avail / GiB)} GiB free, the VMs need ${need / GiB} GiB`,
        );
      }
      const bridges = await pve.get<{ iface: string }[]>(`/nodes/${host.name}/network`, {
        type: "any_bridge",
      });
      if (!bridges.some((b) => b.iface === host.bridge)) {
        problems.push(`bridge ${host.bridge} does not exist`);
      }
      if (problems.length) {
        return {
          status: "fail",
          message: problems.join("; "),
          remedy: "fix proxmox.hosts in the config or the host",
        };
      }
      const status = await pve.get<{ memory: { total: number } }>(`/nodes/${host.name}/status`);
      const memory = nodes.reduce((a, n) => a + n.memoryMiB, 0) * 1024 ** 2;
      if (memory > 0.9 * status.memory.total) {
        return {
          status: "warn",
          message: `the VMs take ${Math.round(100 * memory / status.memory.total)}% of the host's memory`,
        };
      }
      return { status: "pass", message: `${nodes.length} VMs fit` };
    }),
});

registerCheck({
  id: "proxmox-vmids",
  description: "every configured vmid is free or already a VM of this cluster",
  layers,
  beforeLayer: true,
  run: ({ env }) =>
    perHost(env, async (pve, host) => {
      const vms = await pve.get<{ vmid: number; name?: string; tags?: string }[]>(`/nodes/${host.name}/qemu`);
      const tag = clusterTag(env.config.cluster.name);
      const taken = env.config.nodes.filter((n) => n.host === host.name).flatMap((n) => {
        const vm = vms.find((v) => v.vmid === n.vmid);
        return vm && !(vm.tags ?? "").split(/[;,\s]+/).includes(tag)
          ? [`${n.vmid} (${vm.name ?? "unnamed"}, for ${n.name})`]
          : [];
      });
      return taken.length
        ? {
          status: "fail",
          message: `vmid taken by VMs strata does not manage: ${taken.join(", ")}`,
          remedy: "choose free vmids in nodes[].vmid",
        }
        : { status: "pass" };
    }),
});

registerCheck({
  id: "image-factory",
  description: "the Image Factory answers (schematic for the configured extensions)",
  layers,
  beforeLayer: true,
  run: async ({ env }) => {
    const factory = env.lab ? `http://${FACTORY_ADDRESS}:${FACTORY_PORT}` : env.config.talos.factory;
    try {
      const id = await createSchematic(factory, env.config.talos.extensions);
      return { status: "pass", message: `schematic ${id.slice(0, 12)}…` };
    } catch (err) {
      return {
        status: "fail",
        message: (err as Error).message,
        remedy: "check talos.factory and talos.extensions",
      };
    }
  },
});

/** Ports that answer on a Talos node, a Kubernetes VIP or a typical host. */
const PROBE_PORTS = [22, 80, 443, 6443, 50000];

async function answers(address: string, clock: RunEnv["clock"]): Promise<number | undefined> {
  for (const port of PROBE_PORTS) {
    try {
      const conn = await withTimeout(
        clock,
        1_000,
        `${address}:${port}`,
        () => Deno.connect({ hostname: address, port }),
      );
      conn.close();
      return port;
    } catch { /* refused, unreachable or timed out: free on this port */ }
  }
  return undefined;
}

registerCheck({
  id: "addresses-free",
  description: "node IPs and the VIP are not already in use (before their VMs exist)",
  layers,
  beforeLayer: true,
  run: async ({ env }) => {
    const fresh = env.config.nodes.filter((n) => !env.state.step(vmStepId(n.name)));
    const targets = [
      ...fresh.map((n) => ({ what: `${n.name} (${n.ip})`, ip: n.ip })),
      ...(env.state.layer("01-infrastructure")
        ? []
        : [{ what: `the VIP (${env.config.network.vip})`, ip: env.config.network.vip }]),
    ];
    const busy: string[] = [];
    for (const t of targets) {
      const port = await answers(env.dial(t.ip), env.clock);
      if (port !== undefined) busy.push(`${t.what} answers on port ${port}`);
    }
    return busy.length
      ? {
        status: "fail",
        message: busy.join("; "),
        remedy: "another machine uses these addresses: pick free IPs in nodes[].ip / network.vip",
      }
      : { status: "pass", message: `${targets.length} address(es) free` };
  },
});
