/**
 * Emulated read-only endpoints about the host and cluster: `/version`, `/nodes`,
 * `/nodes/{node}/status`, `/nodes/{node}/network`, `/cluster/resources`, `/cluster/nextid` and
 * `/access/permissions`, with PVE's shapes and its per-entry permission filters.
 */
import type { ApiHandler, ApiRequest } from "./context.ts";
import { paramException, PerlDie } from "./exception.ts";
import { storageUsed } from "./host.ts";
import { effectivePermissions, permissionRecord, permissionTree } from "./access.ts";
import { memoryMiB, vmStatusView } from "./vm_config.ts";

/** The PVE release the lab answers as (the schema the model is checked against is pve-docs 9.1.3). */
export const PVE_VERSION = { version: "9.1.3", release: "9.1", repoid: "e5010dce" };

function uptime(req: ApiRequest): number {
  return Math.floor((req.host.clock.now() - req.host.state.bootedAt) / 1000);
}

function memoryUsed(req: ApiRequest): number {
  const running = Object.values(req.host.state.vms).filter((v) => v.status === "running");
  // the host itself uses about 2 GiB
  return 2 * 1024 ** 3 + running.reduce((a, v) => a + memoryMiB(v.config) * 1024 ** 2, 0);
}

function nodeEntry(req: ApiRequest, audit: boolean) {
  const { state, name } = req.host;
  return {
    id: `node/${name}`,
    type: "node",
    node: name,
    status: "online",
    ...(audit
      ? {
        cpu: 0.02,
        maxcpu: state.cpus,
        mem: memoryUsed(req),
        maxmem: state.memoryBytes,
        uptime: uptime(req),
        level: "",
        disk: 8 * 1024 ** 3,
        maxdisk: 100 * 1024 ** 3,
      }
      : {}),
  };
}

export const CLUSTER_HANDLERS: Record<string, ApiHandler> = {
  "GET /version": () => ({ ...PVE_VERSION }),

  "GET /nodes": (req) => {
    const audit = req.perms.check(`/nodes/${req.host.name}`, ["Sys.Audit"], true);
    const { id: _id, type: _type, disk: _d, maxdisk: _md, ...entry } = nodeEntry(req, audit) as Record<
      string,
      unknown
    >;
    return [{ ...entry, ssl_fingerprint: req.host.sslFingerprint }];
  },

  "GET /nodes/{node}/status": (req) => {
    const { state } = req.host;
    const used = memoryUsed(req);
    return {
      uptime: uptime(req),
      cpu: 0.02,
      cpuinfo: { cpus: state.cpus, cores: state.cpus / 2, sockets: 1, model: "Lab Virtual CPU", mhz: "3000" },
      memory: {
        total: state.memoryBytes,
        used,
        free: state.memoryBytes - used,
        available: state.memoryBytes - used,
      },
      swap: { total: 8 * 1024 ** 3, used: 0, free: 8 * 1024 ** 3 },
      rootfs: { total: 100 * 1024 ** 3, used: 8 * 1024 ** 3, free: 92 * 1024 ** 3, avail: 92 * 1024 ** 3 },
      loadavg: ["0.10", "0.08", "0.05"],
      kversion: "Linux 6.14.11-4-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.11-4 (2025-10-10T08:04Z)",
      pveversion: `pve-manager/${PVE_VERSION.version}/${PVE_VERSION.repoid}`,
      "boot-info": { mode: "efi", secureboot: 0 },
      "current-kernel": {
        sysname: "Linux",
        release: "6.14.11-4-pve",
        version: "#1 SMP PREEMPT_DYNAMIC PMX 6.14.11-4 (2025-10-10T08:04Z)",
        machine: "x86_64",
      },
    };
  },

  "GET /nodes/{node}/network": (req) => {
    const type = req.params.type;
    // bridges are all strata looks for; a host also has its physical NIC
    const all = [
      { iface: "eno1", type: "eth", active: 1, exists: 1, method: "manual", families: ["inet"], priority: 3 },
      ...req.host.state.bridges.map((iface, i) => ({
        iface,
        type: "bridge",
        active: 1,
        autostart: 1,
        method: "static",
        families: ["inet"],
        bridge_ports: i === 0 ? "eno1" : "",
        bridge_stp: "off",
        bridge_fd: "0",
        priority: 4 + i,
      })),
    ];
    return all.filter((n) =>
      !type || n.type === type ||
      ((type === "any_bridge" || type === "any_local_bridge") && n.type === "bridge")
    );
  },

  "GET /cluster/resources": (req) => {
    const { state, name } = req.host;
    const type = req.params.type;
    const out: Record<string, unknown>[] = [];
    if (!type || type === "vm") {
      for (const vm of Object.values(state.vms).sort((a, b) => a.vmid - b.vmid)) {
        if (!req.perms.check(`/vms/${vm.vmid}`, ["VM.Audit"], true)) continue;
        const view = vmStatusView(req.host, vm);
        out.push({
          id: `qemu/${vm.vmid}`,
          type: "qemu",
          node: name,
          template: vm.config.template === "1" ? 1 : 0,
          ...Object.fromEntries(
            Object.entries(view).filter(([k]) => !["qmpstatus", "pid", "cpus"].includes(k)),
          ),
          maxcpu: view.cpus,
        });
      }
    }
    if (!type || type === "node") {
      out.push(nodeEntry(req, req.perms.check(`/nodes/${name}`, ["Sys.Audit"], true)));
    }
    if (!type || type === "storage") {
      for (const [id, s] of Object.entries(state.storages)) {
        if (!req.perms.check(`/storage/${id}`, ["Datastore.Audit"], true)) continue;
        out.push({
          id: `storage/${name}/${id}`,
          type: "storage",
          storage: id,
          node: name,
          plugintype: s.type,
          content: s.content.join(","),
          shared: s.shared ? 1 : 0,
          status: "available",
          disk: storageUsed(s),
          maxdisk: s.totalBytes,
        });
      }
    }
    if ((!type || type === "sdn") && req.perms.check("/sdn/zones/localnetwork", ["SDN.Audit"], true)) {
      out.push({
        id: `sdn/${name}/localnetwork`,
        type: "sdn",
        sdn: "localnetwork",
        node: name,
        status: "ok",
      });
    }
    return out;
  },

  "GET /cluster/nextid": (req) => {
    const taken = (id: number) => req.host.state.vms[id] !== undefined;
    if (req.params.vmid !== undefined) {
      if (taken(Number(req.params.vmid))) {
        throw paramException({ vmid: `VM ${req.params.vmid} already exists` });
      }
      return req.params.vmid;
    }
    for (let id = 100; id < 1_000_000; id++) if (!taken(id)) return id;
    throw new PerlDie("unable to get any free VMID in range [100, 999999]\n");
  },

  "GET /access/permissions": (req) => {
    const userid = req.params.userid ?? req.authid;
    const [user] = userid.split("!");
    if (userid !== req.authid && !(userid.includes("!") && user === req.authid)) {
      req.perms.check("/access", ["Sys.Audit"]);
    }
    const access = req.host.access();
    if (req.params.path) {
      return { [req.params.path]: permissionRecord(effectivePermissions(access, userid, req.params.path)) };
    }
    return permissionTree(access, userid);
  },
};
