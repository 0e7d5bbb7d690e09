/**
 * The Proxmox VE API emulator: HTTPS on the host's loopback address (certificate from the lab's
 * PVE root CA), `/api2/json/…`, API-token auth against the lab's access model, permission checks,
 * parameter validation from our model of apidata.js, tasks with UPIDs that run for the latency
 * profile's time, VM locks, storage accounting and `download-url`.
 */
import { decodePrivateKeyPem, encodePrivateKeyPem, issueServerCertificate } from "../../lib/pki/mod.ts";
import type { Clock } from "../../lib/clock/clock.ts";
import { isLoopback } from "../address.ts";
import type { Faults } from "../faults.ts";
import { type LatencyProfile, pick } from "../profile.ts";
import type { Trace } from "../trace.ts";
import type { LabWorld } from "../world.ts";
import { authenticateApiToken, effectivePrivileges, hasPrivilege } from "./access.ts";
import { API_MODEL } from "./api_model.ts";
import {
  newNode,
  type NodeState,
  sizeBytes,
  startTask,
  type StorageState,
  storageUsed,
  type VmState,
} from "./host.ts";
import { ensurePveCa } from "./pki.ts";
import { proxmoxWorld } from "../ssh/server.ts";
import { validateParams } from "./validate.ts";

export interface ProxmoxEmulatorOptions {
  world: LabWorld;
  clock: Clock;
  profile: LatencyProfile;
  random: () => number;
  trace: Trace;
  faults?: Faults;
  /** Proxmox node name. */
  node: string;
  /** Loopback address and port (8006 in the lab; 0 picks one in tests). */
  address: string;
  port: number;
  /** Called when a VM starts: it boots with the address from its cloud-init ipconfig0. */
  onVmStarted?: (info: { node: string; vmid: number; ip?: string; mac?: string }) => void;
  /** VMs that exist on the host without strata having made them (they must never be touched). */
  foreignVms?: { vmid: number; name: string }[];
}

export interface ProxmoxEmulator {
  url: string;
  caPem: string;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly errors?: Record<string, string>) {
    super(message);
  }
}

type Params = Record<string, string>;
type Ctx = { authid: string; params: Params; node: NodeState };

/** Each endpoint's permission: the ACL path and privilege PVE checks. */
const PERMISSIONS: Record<string, (p: Params) => [string, string] | undefined> = {
  "GET /nodes/{node}/status": (p) => [`/nodes/${p.node}`, "Sys.Audit"],
  "GET /nodes/{node}/network": (p) => [`/nodes/${p.node}`, "Sys.Audit"],
  "GET /nodes/{node}/storage/{storage}/status": (p) => [`/storage/${p.storage}`, "Datastore.Audit"],
  "GET /nodes/{node}/storage/{storage}/content": (p) => [`/storage/${p.storage}`, "Datastore.Audit"],
  "POST /nodes/{node}/storage/{storage}/download-url": (
    p,
  ) => [`/storage/${p.storage}`, "Datastore.AllocateTemplate"],
  "POST /nodes/{node}/qemu": (p) => [`/vms/${p.vmid}`, "VM.Allocate"],
  "GET /nodes/{node}/qemu/{vmid}/config": (p) => [`/vms/${p.vmid}`, "VM.Audit"],
  "POST /nodes/{node}/qemu/{vmid}/config": (p) => [`/vms/${p.vmid}`, "VM.Config.Options"],
  "PUT /nodes/{node}/qemu/{vmid}/resize": (p) => [`/vms/${p.vmid}`, "VM.Config.Disk"],
  "GET /nodes/{node}/qemu/{vmid}/status/current": (p) => [`/vms/${p.vmid}`, "VM.Audit"],
  "POST /nodes/{node}/qemu/{vmid}/status/start": (p) => [`/vms/${p.vmid}`, "VM.PowerMgmt"],
  "POST /nodes/{node}/qemu/{vmid}/status/stop": (p) => [`/vms/${p.vmid}`, "VM.PowerMgmt"],
  "POST /nodes/{node}/qemu/{vmid}/status/shutdown": (p) => [`/vms/${p.vmid}`, "VM.PowerMgmt"],
  "DELETE /nodes/{node}/qemu/{vmid}": (p) => [`/vms/${p.vmid}`, "VM.Allocate"],
};

/** Finds the model endpoint for a request path; returns it and the path parameters. */
function route(method: string, path: string): { endpoint: string; params: Params } | undefined {
  for (const endpoint of Object.keys(API_MODEL)) {
    const [m, template] = endpoint.split(" ");
    if (m !== method) continue;
    const names: string[] = [];
    const re = new RegExp("^" + template.replace(/\{(\w+)\}/g, (_, n) => (names.push(n), "([^/]+)")) + "$");
    const match = re.exec(path);
    if (match) {
      return {
        endpoint,
        params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1])])),
      };
    }
  }
  return undefined;
}

export async function startProxmoxEmulator(options: ProxmoxEmulatorOptions): Promise<ProxmoxEmulator> {
  const { world, clock, profile, random, node: nodeName } = options;
  const pve = proxmoxWorld(world) as ReturnType<typeof proxmoxWorld> & { nodes?: Record<string, NodeState> };
  pve.nodes ??= {};
  const node = pve.nodes[nodeName] ??= newNode();
  // tasks of an emulator process that ended mid-task never finish: end them and free their locks
  for (const t of Object.values(node.tasks).filter((t) => t.status === "running")) {
    t.status = "stopped";
    t.exitstatus = "unexpected status";
    t.log.push("TASK ERROR: the lab host stopped while the task ran");
  }
  for (const v of Object.values(node.vms)) delete v.lock;
  for (const f of options.foreignVms ?? []) {
    node.vms[f.vmid] ??= {
      vmid: f.vmid,
      status: "running",
      config: { name: f.name, tags: "production", memory: "2048", cores: "2" },
    };
  }
  const save = () => world.save();
  const ca = await ensurePveCa(world, nodeName);
  const leaf = await issueServerCertificate({
    ca: { certificate: ca.certificate, privateKey: decodePrivateKeyPem(ca.privateKey) },
    commonName: `${nodeName}.lab`,
    dnsNames: [nodeName, "localhost"],
    ipAddresses: [options.address],
  });
  const delay = (d: keyof LatencyProfile) =>
    clock.sleep(pick(profile[d] as { min: number; max: number }, random));

  const vm = (vmid: string): VmState => {
    const v = node.vms[vmid];
    if (!v) {
      throw new ApiError(
        500,
        `Configuration file 'nodes/${nodeName}/qemu-server/${vmid}.conf' does not exist`,
      );
    }
    return v;
  };
  const lock = async (v: VmState, what: string) => {
    // PVE waits up to 10 s for the config lock, then gives up
    for (let waited = 0; v.lock; waited += 1000) {
      if (waited >= 10_000) {
        throw new ApiError(500, `can't lock file '/var/lock/qemu-server/lock-${v.vmid}.conf' - got timeout`);
      }
      await clock.sleep(1000);
    }
    v.lock = what;
  };
  const task = (ctx: Ctx, type: string, id: string, work: (log: (l: string) => void) => Promise<void>) =>
    startTask({ node: nodeName, state: node, clock, type, id, user: ctx.authid, save, work });

  const handlers: Record<string, (ctx: Ctx) => Promise<unknown> | unknown> = {
    "GET /version": () => ({ version: "9.1.3", release: "9.1", repoid: "lab" }),
    "GET /nodes": () => [{
      node: nodeName,
      status: "online",
      maxcpu: node.cpus,
      maxmem: node.memoryBytes,
      type: "node",
      id: `node/${nodeName}`,
    }],
    "GET /nodes/{node}/status": () => ({
      cpuinfo: { cpus: node.cpus },
      memory: {
        total: node.memoryBytes,
        used: Object.values(node.vms).filter((v) => v.status === "running")
          .reduce((a, v) => a + Number(v.config.memory ?? 512) * 1024 ** 2, 0),
      },
    }),
    "GET /cluster/resources": (ctx) => {
      const vms = Object.values(node.vms).map((v) => ({
        id: `qemu/${v.vmid}`,
        type: "qemu",
        vmid: v.vmid,
        node: nodeName,
        name: v.config.name,
        status: v.status,
        tags: v.config.tags,
        maxmem: Number(v.config.memory ?? 512) * 1024 ** 2,
        maxcpu: Number(v.config.cores ?? 1),
      }));
      const storages = Object.entries(node.storages).map(([id, s]) => ({
        id: `storage/${nodeName}/${id}`,
        type: "storage",
        storage: id,
        node: nodeName,
        maxdisk: s.totalBytes,
        disk: storageUsed(s),
        content: s.content.join(","),
        shared: s.shared ? 1 : 0,
      }));
      const all = [...vms, ...storages, {
        id: `node/${nodeName}`,
        type: "node",
        node: nodeName,
        maxcpu: node.cpus,
        maxmem: node.memoryBytes,
      }];
      const type = ctx.params.type;
      return all.filter((r) => !type || r.type === (type === "vm" ? "qemu" : type));
    },
    "GET /cluster/nextid": (ctx) => {
      if (ctx.params.vmid) {
        if (node.vms[ctx.params.vmid]) {
          throw new ApiError(400, "Parameter verification failed.", {
            vmid: `VM ${ctx.params.vmid} already exists`,
          });
        }
        return ctx.params.vmid;
      }
      let id = 100;
      while (node.vms[id]) id++;
      return String(id);
    },
    "GET /nodes/{node}/storage": () =>
      Object.entries(node.storages).map(([storage, s]) => ({
        storage,
        ...storageStatus(s),
        shared: s.shared ? 1 : 0,
      })),
    "GET /nodes/{node}/storage/{storage}/status": (ctx) => storageStatus(storage(ctx.params.storage)),
    "GET /nodes/{node}/storage/{storage}/content": (ctx) => {
      const s = storage(ctx.params.storage);
      return Object.entries(s.volumes).map(([volid, size]) => ({
        volid,
        size,
        content: volid.includes(":import/") ? "import" : "images",
        format: "raw",
      }))
        .filter((v) => !ctx.params.content || v.content === ctx.params.content);
    },
    "POST /nodes/{node}/storage/{storage}/download-url": (ctx) => {
      const s = storage(ctx.params.storage);
      const { url, content, filename } = ctx.params;
      if (!s.content.includes(content)) {
        throw new ApiError(400, "Parameter verification failed.", {
          content: `storage '${ctx.params.storage}' does not support '${content}' content`,
        });
      }
      const volid = `${ctx.params.storage}:${content}/${filename}`;
      return task(ctx, "download", ctx.params.storage, async (log) => {
        log(`downloading ${url} to ${volid}`);
        const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
        if (!isLoopback(host)) {
          throw new Error(`lab: refusing to download from ${host}, which is not a loopback address`);
        }
        const res = await fetch(url);
        if (!res.ok) throw new Error(`download failed: ${res.status} ${res.statusText}`);
        const bytes = new Uint8Array(await res.arrayBuffer());
        await delay("imageDownload");
        if (ctx.params.checksum) {
          const algo = ctx.params["checksum-algorithm"] ?? "sha256";
          const name = {
            md5: "MD5",
            sha1: "SHA-1",
            sha224: "SHA-224",
            sha256: "SHA-256",
            sha384: "SHA-384",
            sha512: "SHA-512",
          }[algo]!;
          const digest = algo === "md5" || algo === "sha224"
            ? (await import("node:crypto")).createHash(algo).update(bytes).digest("hex")
            : Array.from(
              new Uint8Array(await crypto.subtle.digest(name, bytes)),
              (b) => b.toString(16).padStart(2, "0"),
            ).join("");
          if (digest !== ctx.params.checksum.toLowerCase()) {
            throw new Error(`checksum mismatch: got '${digest}' != expected '${ctx.params.checksum}'`);
          }
          log(`${algo} checksum verified`);
        }
        if (storageUsed(s) + bytes.length > s.totalBytes) {
          throw new Error(`not enough space on storage '${ctx.params.storage}'`);
        }
        s.volumes[volid] = bytes.length;
      });
    },
    "DELETE /nodes/{node}/storage/{storage}/content/{volume}": (ctx) => {
      const s = storage(ctx.params.storage);
      const volid = ctx.params.volume.includes(":")
        ? ctx.params.volume
        : `${ctx.params.storage}:${ctx.params.volume}`;
      if (s.volumes[volid] === undefined) throw new ApiError(500, `volume '${volid}' does not exist`);
      const owner = /vm-(\d+)-/.exec(volid)?.[1];
      if (
        owner &&
        Object.values(node.vms).some((v) =>
          Object.values(v.config).some((c) => c.startsWith(`${volid},`) || c === volid)
        )
      ) {
        throw new ApiError(500, `unable to delete '${volid}' - volume is still in use by VM ${owner}`);
      }
      return task(ctx, "imgdel", volid.split(":")[1], async () => {
        await delay("apiCall");
        delete s.volumes[volid];
      });
    },
    "GET /nodes/{node}/network": (ctx) =>
      node.bridges.map((iface) => ({ iface, type: "bridge", active: 1 })).filter(() =>
        !ctx.params.type || ctx.params.type === "bridge" || ctx.params.type === "any_bridge"
      ),
    "GET /nodes/{node}/qemu": () =>
      Object.values(node.vms).map((v) => ({
        vmid: v.vmid,
        name: v.config.name,
        status: v.status,
        tags: v.config.tags,
        lock: v.lock,
      })),
    "POST /nodes/{node}/qemu": (ctx) => {
      const { node: _n, vmid, start, ...config } = ctx.params;
      if (node.vms[vmid]) {
        throw new ApiError(
          500,
          `unable to create VM ${vmid} - VM ${vmid} already exists on node '${nodeName}'`,
        );
      }
      for (const [key, value] of Object.entries(config)) {
        if (/^net\d+$/.test(key)) {
          const bridge = /bridge=([^,]+)/.exec(value)?.[1];
          if (bridge && !node.bridges.includes(bridge)) {
            throw new ApiError(400, "Parameter verification failed.", {
              [key]: `bridge '${bridge}' does not exist`,
            });
          }
        }
      }
      const v: VmState = { vmid: Number(vmid), status: "stopped", config: {}, lock: "create" };
      node.vms[vmid] = v;
      return task(ctx, "qmcreate", vmid, async (log) => {
        try {
          await delay("vmCreate");
          for (const [key, value] of Object.entries(config)) {
            const disk = /^(scsi|virtio|sata|ide)\d+$/.test(key) ? allocateDisk(vmid, value, log) : undefined;
            v.config[key] = disk ?? value;
          }
          if (/^(1|true|yes|on)$/i.test(start ?? "")) v.status = "running";
        } catch (err) {
          delete node.vms[vmid];
          throw err;
        } finally {
          delete v.lock;
        }
      });
    },
    "GET /nodes/{node}/qemu/{vmid}/config": (ctx) => ({
      ...vm(ctx.params.vmid).config,
      digest: digest(vm(ctx.params.vmid)),
    }),
    "POST /nodes/{node}/qemu/{vmid}/config": async (ctx) => {
      const v = vm(ctx.params.vmid);
      const { node: _n, vmid, delete: del, digest: wanted, ...changes } = ctx.params;
      if (wanted && wanted !== digest(v)) {
        throw new ApiError(500, "detected modified configuration - file changed by other user? Try again.");
      }
      await lock(v, "config");
      return task(ctx, "qmconfig", vmid, async () => {
        try {
          await delay("apiCall");
          Object.assign(v.config, changes);
          for (const key of (del ?? "").split(/[,;\s]+/).filter(Boolean)) delete v.config[key];
        } finally {
          delete v.lock;
        }
      });
    },
    "PUT /nodes/{node}/qemu/{vmid}/resize": (ctx) => {
      const v = vm(ctx.params.vmid);
      const current = v.config[ctx.params.disk];
      if (!current) throw new ApiError(500, `disk '${ctx.params.disk}' does not exist`);
      const volid = current.split(",")[0];
      const [storageId] = volid.split(":");
      const s = storage(storageId);
      const old = s.volumes[volid] ?? 0;
      const want = ctx.params.size.startsWith("+")
        ? old + sizeBytes(ctx.params.size)
        : sizeBytes(ctx.params.size);
      if (want < old) throw new ApiError(500, "shrinking disks is not supported");
      s.volumes[volid] = want;
      v.config[ctx.params.disk] = current.replace(/size=[^,]+/, `size=${Math.round(want / 1024 ** 3)}G`);
      void save();
      return null;
    },
    "GET /nodes/{node}/qemu/{vmid}/status/current": (ctx) => {
      const v = vm(ctx.params.vmid);
      return {
        vmid: v.vmid,
        status: v.status,
        name: v.config.name,
        qmpstatus: v.status,
        lock: v.lock,
        tags: v.config.tags,
      };
    },
    "POST /nodes/{node}/qemu/{vmid}/status/start": async (ctx) => {
      const v = vm(ctx.params.vmid);
      await lock(v, "start");
      return task(ctx, "qmstart", ctx.params.vmid, async () => {
        try {
          if (v.status === "running") throw new Error(`VM ${v.vmid} already running`);
          await delay("vmPower");
          v.status = "running";
          const ip = /ip=([\d.]+)/.exec(v.config.ipconfig0 ?? "")?.[1];
          const mac = /=([0-9A-Fa-f:]{17})/.exec(v.config.net0 ?? "")?.[1];
          options.onVmStarted?.({ node: nodeName, vmid: v.vmid, ip, mac });
        } finally {
          delete v.lock;
        }
      });
    },
    "POST /nodes/{node}/qemu/{vmid}/status/stop": (ctx) => power(ctx, "qmstop"),
    "POST /nodes/{node}/qemu/{vmid}/status/shutdown": (ctx) => power(ctx, "qmshutdown"),
    "DELETE /nodes/{node}/qemu/{vmid}": async (ctx) => {
      const v = vm(ctx.params.vmid);
      if (v.status === "running") throw new ApiError(500, `VM ${v.vmid} is running - destroy failed`);
      await lock(v, "destroyed");
      return task(ctx, "qmdestroy", ctx.params.vmid, async () => {
        await delay("vmPower");
        for (const s of Object.values(node.storages)) {
          for (const volid of Object.keys(s.volumes)) {
            if (volid.includes(`vm-${v.vmid}-`)) delete s.volumes[volid];
          }
        }
        delete node.vms[ctx.params.vmid];
      });
    },
    "GET /nodes/{node}/tasks/{upid}/status": (ctx) => {
      const t = node.tasks[ctx.params.upid];
      if (!t) throw new ApiError(500, `no such task '${ctx.params.upid}'`);
      return {
        upid: t.upid,
        node: nodeName,
        pid: 0,
        pstart: 0,
        starttime: t.starttime,
        type: t.type,
        id: t.id,
        user: t.user,
        status: t.status,
        ...(t.exitstatus ? { exitstatus: t.exitstatus } : {}),
      };
    },
    "GET /nodes/{node}/tasks/{upid}/log": (ctx) => {
      const t = node.tasks[ctx.params.upid];
      if (!t) throw new ApiError(500, `no such task '${ctx.params.upid}'`);
      const start = Number(ctx.params.start ?? 0), limit = Number(ctx.params.limit ?? 50);
      return t.log.slice(start, start + limit).map((text, i) => ({ n: start + i + 1, t: text }));
    },
    "GET /access/permissions": (ctx) => {
      const paths = ctx.params.path ? [ctx.params.path] : ["/", "/vms", "/storage", `/nodes/${nodeName}`];
      return Object.fromEntries(
        paths.map((
          p,
        ) => [
          p,
          Object.fromEntries(
            [...effectivePrivileges(access(), ctx.params.userid ?? ctx.authid, p)].map((x) => [x, 1]),
          ),
        ]),
      );
    },
  };

  const storageStatus = (s: StorageState) => ({
    type: s.type,
    content: s.content.join(","),
    total: s.totalBytes,
    used: storageUsed(s),
    avail: s.totalBytes - storageUsed(s),
    active: 1,
    enabled: 1,
  });
  const storage = (id: string) => {
    const s = node.storages[id];
    if (!s) throw new ApiError(500, `storage '${id}' does not exist`);
    return s;
  };
  const digest = (v: VmState) => {
    const text = JSON.stringify(Object.entries(v.config).sort());
    let h = 0;
    for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return h.toString(16).padStart(8, "0").repeat(5);
  };
  const allocateDisk = (vmid: string, value: string, log: (l: string) => void): string => {
    const [first, ...opts] = value.split(",");
    const m = /^([^:]+):(\d+(?:\.\d+)?|cloudinit)$/.exec(first);
    if (!m) return value;
    const s = storage(m[1]);
    const importFrom = opts.find((o) => o.startsWith("import-from="))?.slice("import-from=".length);
    let bytes = m[2] === "cloudinit" ? 4 * 1024 ** 2 : Number(m[2]) * 1024 ** 3;
    if (importFrom) {
      const [srcStorage] = importFrom.split(":");
      const src = storage(srcStorage).volumes[importFrom];
      if (src === undefined) throw new Error(`volume '${importFrom}' does not exist`);
      bytes = Math.max(bytes, src);
      log(`importing ${importFrom}`);
    }
    if (storageUsed(s) + bytes > s.totalBytes) throw new Error(`not enough space on storage '${m[1]}'`);
    const name = m[2] === "cloudinit"
      ? `vm-${vmid}-cloudinit`
      : `vm-${vmid}-disk-${Object.keys(s.volumes).filter((v) => v.includes(`vm-${vmid}-disk-`)).length}`;
    const volid = `${m[1]}:${name}`;
    s.volumes[volid] = bytes;
    const rest = opts.filter((o) => !o.startsWith("import-from="));
    return [
      volid,
      ...(m[2] === "cloudinit" ? ["media=cdrom"] : []),
      ...rest,
      ...(m[2] === "cloudinit" ? [] : [`size=${Math.round(bytes / 1024 ** 3)}G`]),
    ].join(",");
  };
  const power = async (ctx: Ctx, type: string) => {
    const v = vm(ctx.params.vmid);
    await lock(v, type === "qmstop" ? "stop" : "shutdown");
    return task(ctx, type, ctx.params.vmid, async () => {
      try {
        await delay("vmPower");
        v.status = "stopped";
      } finally {
        delete v.lock;
      }
    });
  };
  const access = () => proxmoxWorld(world).access;

  const handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const traceParams: Record<string, unknown> = Object.fromEntries(url.searchParams);
    const reply = (status: number, body: Record<string, unknown>, statusText?: string) => {
      // PVE's JSON formatter repeats the status line's message in the body of an error
      if (status >= 400 && statusText && body.message === undefined) {
        body = { ...body, message: `${statusText}\n` };
      }
      options.trace.record({
        system: "proxmox",
        method: req.method,
        path: url.pathname,
        params: traceParams,
        status,
        at: clock.now(),
        host: nodeName,
      });
      return new Response(JSON.stringify(body), {
        status,
        statusText,
        headers: { "content-type": "application/json;charset=UTF-8" },
      });
    };
    try {
      const fault = options.faults?.next() ?? { kind: "none" };
      if (fault.kind === "spike") await clock.sleep(fault.ms);
      if (fault.kind === "error") return reply(503, { data: null }, "Service Unavailable");
      if (fault.kind === "drop") {
        options.trace.record({
          system: "proxmox",
          method: req.method,
          path: url.pathname,
          params: traceParams,
          status: "dropped",
          at: clock.now(),
          host: nodeName,
        });
        // a body that fails mid-response: the client sees the connection break
        return new Response(
          new ReadableStream({ start: (c) => c.error(new Error("connection dropped by fault injection")) }),
        );
      }
      if (!url.pathname.startsWith("/api2/json/")) return reply(501, { data: null }, "Not Implemented");
      const path = url.pathname.slice("/api2/json".length);
      const found = route(req.method, path);
      if (!found) {
        return reply(
          501,
          { data: null, message: `Method '${req.method} ${path}' not implemented` },
          `Method '${req.method} ${path}' not implemented`,
        );
      }
      const auth = authenticateApiToken(access(), req.headers.get("authorization"));
      if (!auth) {
        return reply(
          401,
          { data: null },
          req.headers.get("authorization") ? "authentication failure" : "No ticket",
        );
      }
      const body: Params = {};
      if (req.method === "POST" || req.method === "PUT") {
        const type = req.headers.get("content-type") ?? "";
        const text = await req.text();
        if (type.includes("application/json") && text) {
          for (const [k, v] of Object.entries(JSON.parse(text))) {
            body[k] = typeof v === "boolean" ? (v ? "1" : "0") : String(v);
          }
        } else for (const [k, v] of new URLSearchParams(text)) body[k] = v;
      }
      const params: Params = { ...Object.fromEntries(url.searchParams), ...body, ...found.params };
      Object.assign(traceParams, body);
      const errors = validateParams(found.endpoint, params);
      if (Object.keys(errors).length) {
        return reply(400, { data: null, errors }, "Parameter verification failed.");
      }
      const perm = PERMISSIONS[found.endpoint]?.(params);
      if (perm && !hasPrivilege(access(), auth.authid, perm[0], perm[1])) {
        return reply(403, { data: null }, `Permission check failed (${perm[0]}, ${perm[1]})`);
      }
      if (found.params.node && found.params.node !== nodeName) {
        return reply(595, { data: null }, `no such cluster node '${found.params.node}'`);
      }
      await delay("apiCall");
      const data = await handlers[found.endpoint]({ authid: auth.authid, params, node });
      void save();
      return reply(200, { data: data ?? null });
    } catch (err) {
      if (err instanceof ApiError) {
        return reply(
          err.status,
          err.errors ? { data: null, errors: err.errors } : { data: null, message: err.message },
          err.message.split("\n")[0],
        );
      }
      return reply(500, { data: null, message: String(err) }, String(err).split("\n")[0]);
    }
  };

  const server = Deno.serve({
    hostname: options.address,
    port: options.port,
    cert: leaf.certificate,
    key: encodePrivateKeyPem(leaf.privateKey),
    onListen() {},
  }, handle);
  return {
    url: `https://${options.address}:${server.addr.port}`,
    caPem: ca.certificate,
    close: () => server.shutdown(),
  };
}
