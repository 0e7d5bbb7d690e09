/**
 * Layer 01, part 1: the Talos image from the Image Factory on each Proxmox storage that needs it,
 * and one VM per node with the settings Talos needs, created in parallel across hosts within the
 * per-host limit, started, and kept in line with the config (drift). Only VMs tagged with this
 * cluster's tag are ever changed or deleted.
 */
import { StrataError } from "../../lib/errors.ts";
import type { Step, StepContext } from "../../lib/engine/types.ts";
import type { ClusterConfig, NodeConfig } from "../../lib/config/schema.ts";
import { cidrContains, ipToInt, parseCidr } from "../../lib/config/net.ts";
import type { Params, ProxmoxClient } from "../../lib/proxmox/client.ts";
import { ProxmoxApi, vmTags } from "../../lib/proxmox/api.ts";
import { vmDrift } from "./vm_drift.ts";
import {
  createSchematic,
  installerImage,
  nocloudImageUrl,
  schematicId,
  schematicYaml,
} from "../../lib/talos/factory/schematic.ts";
import { ImageFactoryClient } from "../../lib/talos/factory/client.ts";

export const SCHEMATIC_STEP = "infra.image-schematic";
/** The step that makes (or finds) a node's VM. */
export const vmStepId = (node: string) => `infra.vm.${node}`;
/** Prefix of the step that downloads the image once onto a storage several hosts share. */
export const SHARED_IMAGE_STEP = "infra.image-shared";

export interface VmInputs {
  config: ClusterConfig;
  /** The Image Factory to use (the config's, or the lab's). */
  factory: string;
  /** A client for a Proxmox host (token and CA from layer 00). */
  client: (host: string) => Promise<ProxmoxClient>;
}

export function clusterTag(cluster: string): string {
  return `strata-${cluster}`;
}

/** The exact parameters strata sends to create a node's VM (also rendered to `proxmox/vms.json`). */
export function vmCreateParams(
  config: ClusterConfig,
  node: NodeConfig,
  imageVolid: string,
): Record<string, string | number> {
  const host = config.proxmox.hosts.find((h) => h.name === node.host)!;
  const subnet = config.network.subnets.find((s) => cidrContains(parseCidr(s.cidr)!, ipToInt(node.ip)!))!;
  const prefix = subnet.cidr.split("/")[1];
  const disk = config.talos.diskBus === "virtio" ? "virtio0" : "scsi0";
  const net = [
    `virtio${node.mac ? `=${node.mac}` : ""}`,
    `bridge=${host.bridge}`,
    ...(subnet.vlan ? [`tag=${subnet.vlan}`] : []),
  ]
    .join(",");
  return {
    vmid: node.vmid,
    name: node.name,
    cores: node.cores,
    sockets: 1,
    memory: node.memoryMiB,
    cpu: config.talos.cpuType,
    machine: "q35",
    ostype: "l26",
    scsihw: "virtio-scsi-single",
    [disk]: `${host.storage}:0,import-from=${imageVolid},iothread=1,discard=on`,
    ide2: `${host.storage}:cloudinit`,
    net0: net,
    ipconfig0: `ip=${node.ip}/${prefix},gw=${subnet.gateway}`,
    nameserver: config.network.nameservers.join(" "),
    serial0: "socket",
    boot: `order=${disk}`,
    agent: "enabled=1",
    onboot: 1,
    tags: ["strata", clusterTag(config.cluster.name), `role-${node.role}`].join(";"),
    description:
      `Talos ${node.role} ${node.name} of cluster ${config.cluster.name}; managed by strata, do not edit by hand`,
  };
}

/** Image volume name: encodes schematic and version, so a change of either downloads anew. */
export function imageFilename(schematic: string, version: string): string {
  return `talos-${schematic.slice(0, 12)}-${version}-nocloud-amd64.raw`;
}

export function vmSteps(input: VmInputs): Step[] {
  const { config } = input;
  const cluster = clusterTag(config.cluster.name);
  const schematic: Step = {
    id: SCHEMATIC_STEP,
    title: "Talos image schematic from the Image Factory",
    async apply(ctx) {
      ctx.progress(`schematic for ${config.talos.extensions.join(", ") || "no extensions"}`);
      const id = await createSchematic(input.factory, config.talos.extensions);
      return {
        output: {
          schematic: id,
          imageUrl: nocloudImageUrl(input.factory, id, config.talos.version),
          installer: installerImage(input.factory, id, config.talos.version),
        },
        changed: ctx.previous?.output.schematic !== id,
      };
    },
  };

  // The image goes on each host's imageStorage. A storage shared by several hosts (`shared: 1` in
  // their storage index, as NFS or CephFS in a PVE cluster) holds one file for all of them: the step
  // `infra.image-shared.<storage>` downloads it once, on the first host that has the storage shared,
  // and every host's own step (`infra.image.<host>.<storage>`, after it) then finds the file there.
  // A local storage of the same name gets one download per host, in parallel across hosts.
  const hosts = config.proxmox.hosts.filter((h) => config.nodes.some((n) => n.host === h.name));
  const sharedStep = new Map<string, Step>();
  for (const storage of new Set(hosts.map((h) => h.imageStorage))) {
    const on = hosts.filter((h) => h.imageStorage === storage).map((h) => h.name);
    if (on.length > 1) sharedStep.set(storage, sharedImageStep(input, storage, on));
  }
  const imageStep = new Map<string, Step>();
  for (const host of hosts) {
    const storage = host.imageStorage;
    const shared = sharedStep.get(storage);
    imageStep.set(host.name, {
      id: `infra.image.${host.name}.${storage}`,
      title: `Talos image on ${host.name}:${storage}`,
      dependsOn: [SCHEMATIC_STEP, ...(shared ? [shared.id] : [])],
      resources: [`proxmox-host:${host.name}`],
      timeoutMs: 30 * 60_000,
      async plan(ctx) {
        const { volid } = await imageName(input, ctx, storage);
        const pve = await input.client(host.name);
        try {
          const resource = `image ${volid} on ${host.name}`;
          if (await hasVolume(pve, host.name, storage, volid)) return [{ action: "noop", resource }];
          if (shared && (await sharedOn(pve, host.name, storage))) {
            return [{ action: "noop", resource, detail: `shared storage: downloaded once by ${shared.id}` }];
          }
          return [{ action: "create", resource, detail: "download-url" }];
        } finally {
          pve.close();
        }
      },
      async apply(ctx) {
        const { filename, volid, imageUrl } = await imageName(input, ctx, storage);
        const pve = await input.client(host.name);
        try {
          // on a shared storage the file is there already (the shared step put it there through another host)
          if (await hasVolume(pve, host.name, storage, volid)) return { output: { volid }, changed: false };
          const sum = await downloadImage(input, ctx, pve, host.name, storage, filename, imageUrl);
          return { output: { volid, sha256: sum.value, checksumSource: sum.source } };
        } finally {
          pve.close();
        }
      },
    });
  }

  const vms: Step[] = config.nodes.map((node) => {
    const image = imageStep.get(node.host)!;
    const disk = config.talos.diskBus === "virtio" ? "virtio0" : "scsi0";
    const resource = `vm ${node.vmid} ${node.name} on ${node.host}`;
    /** The VM with this node's vmid, refusing one that is not this cluster's. */
    const ours = async (api: ProxmoxApi) => {
      const vm = (await api.vms(node.host)).find((v) => v.vmid === node.vmid);
      if (vm && !vmTags(vm).includes(cluster)) {
        throw new StrataError(
          `vmid ${node.vmid} on ${node.host} is taken by VM "${
            vm.name ?? "?"
          }", which strata does not manage`,
          2,
          `choose another vmid for node "${node.name}" in the config; strata never touches VMs without its ` +
            `cluster tag (${cluster})`,
        );
      }
      return vm;
    };
    return {
      id: vmStepId(node.name),
      title: `VM ${node.name} (${node.vmid}) on ${node.host}`,
      dependsOn: [image.id],
      resources: [`proxmox-host:${node.host}`],
      timeoutMs: 20 * 60_000,
      async plan() {
        const pve = await input.client(node.host);
        try {
          const api = new ProxmoxApi(pve);
          const vm = await ours(api);
          if (!vm) return [{ action: "create", resource }];
          const drift = vmDrift(await api.vmConfig(node.host, node.vmid), node, disk);
          const what = [...Object.keys(drift.changes), ...(drift.growDisk ? ["disk"] : [])];
          return [
            what.length
              ? { action: "update", resource, detail: what.join(", ") }
              : { action: "noop", resource },
          ];
        } finally {
          pve.close();
        }
      },
      async apply(ctx) {
        const { volid } = ctx.output<{ volid: string }>(image.id)!;
        const pve = await input.client(node.host);
        const wait = { signal: ctx.signal };
        try {
          const api = new ProxmoxApi(pve);
          let changed = false;
          const existing = await ours(api);
          if (!existing) {
            ctx.progress("creating");
            await api.createVm(node.host, vmCreateParams(config, node, volid) as VmCreateParams, wait);
            // resize is a task: it finishes before the start takes the VM's lock
            await api.resizeDisk(node.host, node.vmid, disk, `${node.diskGiB}G`, wait);
            changed = true;
          } else {
            changed = await reconcile(api, node, disk, existing.status === "running", ctx);
          }
          if ((await api.vmStatus(node.host, node.vmid)).status !== "running") {
            ctx.progress("starting");
            await api.startVm(node.host, node.vmid, wait);
            changed = true;
          }
          // the NIC's MAC (Proxmox picks one when the config has none): Talos selects the link by it
          const mac = node.mac ?? macOf((await api.vmConfig(node.host, node.vmid)).net0);
          return { output: { vmid: node.vmid, host: node.host, ip: node.ip, mac }, changed };
        } finally {
          pve.close();
        }
      },
      async destroy(ctx) {
        const pve = await input.client(node.host);
        try {
          const api = new ProxmoxApi(pve);
          const vm = (await api.vms(node.host)).find((v) => v.vmid === node.vmid);
          if (!vm) return;
          if (!vmTags(vm).includes(cluster)) {
            ctx.notice(`vm ${node.vmid} on ${node.host} is not tagged ${cluster}; left untouched`, "warn");
            return;
          }
          ctx.progress(`destroying vm ${node.vmid} ${vm.name}`);
          if (vm.status === "running") await api.stopVm(node.host, node.vmid, { signal: ctx.signal });
          await api.destroyVm(node.host, node.vmid, {
            purge: true,
            destroyUnreferencedDisks: true,
            signal: ctx.signal,
          });
        } finally {
          pve.close();
        }
      },
    };
  });
  return [schematic, ...sharedStep.values(), ...imageStep.values(), ...vms];
}

/** The image's volid on `storage`: the same on every host, so a shared storage's file serves them all. */
export function imageVolid(storage: string, schematic: string, version: string): string {
  return `${storage}:import/${imageFilename(schematic, version)}`;
}

/**
 * The schematic id: from the schematic step's output when there is one, else computed as the
 * factory computes it (SHA-256 of the canonical schematic), for plans and `render` before any run.
 */
export async function schematicFor(
  config: ClusterConfig,
  output?: Record<string, unknown>,
): Promise<{ id: string; from: "state" | "computed" }> {
  const id = output?.schematic as string | undefined;
  return id
    ? { id, from: "state" }
    : { id: await schematicId(schematicYaml(config.talos.extensions)), from: "computed" };
}

/** The image's file name, its volid on `storage` and its URL, from the schematic step's output. */
async function imageName(input: VmInputs, ctx: StepContext, storage: string) {
  const { config } = input;
  const out = ctx.output<{ schematic: string; imageUrl: string }>(SCHEMATIC_STEP);
  const schematic = (await schematicFor(config, out)).id;
  const filename = imageFilename(schematic, config.talos.version);
  return {
    filename,
    imageUrl: out?.imageUrl ?? nocloudImageUrl(input.factory, schematic, config.talos.version),
    volid: imageVolid(storage, schematic, config.talos.version),
  };
}

/** Whether `volid` is on `storage` as `host` sees it. */
async function hasVolume(pve: ProxmoxClient, host: string, storage: string, volid: string): Promise<boolean> {
  const content = await pve.get<{ volid: string }[]>(`/nodes/${host}/storage/${storage}/content`, {
    content: "import",
  });
  return content.some((c) => c.volid === volid);
}

/** Whether `storage` is shared (`shared 1` in the cluster's storage config) as `host` lists it. */
async function sharedOn(pve: ProxmoxClient, host: string, storage: string): Promise<boolean> {
  const storages = await pve.get<{ storage: string; shared?: number }[]>(`/nodes/${host}/storage`);
  return storages.some((s) => s.storage === storage && Number(s.shared ?? 0) === 1);
}

/** `download-url` of the image onto `storage` through `host`, with the checksum; waits for the task. */
async function downloadImage(
  input: VmInputs,
  ctx: StepContext,
  pve: ProxmoxClient,
  host: string,
  storage: string,
  filename: string,
  imageUrl: string,
) {
  ctx.progress(`checksum of ${imageUrl}`);
  const sum = await new ImageFactoryClient({ url: input.factory, signal: ctx.signal }).imageChecksum(
    imageUrl,
  );
  ctx.progress(
    `downloading ${imageUrl} to ${host}:${storage} (sha256 from the ${
      sum.source === "factory" ? "factory" : "image"
    })`,
  );
  const upid = await pve.post<string>(`/nodes/${host}/storage/${storage}/download-url`, {
    url: imageUrl,
    content: "import",
    filename,
    checksum: sum.value,
    "checksum-algorithm": sum.algorithm,
  });
  await pve.waitForTask(host, upid, { signal: ctx.signal });
  return sum;
}

/**
 * The one download onto a storage that several hosts name: which of them have it shared, and the
 * image on it through the first of those (skipped when the file is there). Local everywhere, nothing.
 */
function sharedImageStep(input: VmInputs, storage: string, hosts: string[]): Step {
  /** The hosts that list `storage` as shared, in config order. */
  const sharing = async () => {
    const answers = await Promise.all(hosts.map(async (host) => {
      const pve = await input.client(host);
      try {
        return (await sharedOn(pve, host, storage)) ? [host] : [];
      } finally {
        pve.close();
      }
    }));
    return answers.flat();
  };
  return {
    id: `${SHARED_IMAGE_STEP}.${storage}`,
    title: `Talos image on ${storage}, once if shared by ${hosts.join(", ")}`,
    dependsOn: [SCHEMATIC_STEP],
    resources: hosts.map((h) => `proxmox-host:${h}`),
    timeoutMs: 30 * 60_000,
    async plan(ctx) {
      const on = await sharing();
      if (!on.length) return [];
      const { volid } = await imageName(input, ctx, storage);
      const pve = await input.client(on[0]);
      try {
        const resource = `image ${volid} on shared storage ${storage} (${on.join(", ")})`;
        return [
          (await hasVolume(pve, on[0], storage, volid))
            ? { action: "noop", resource }
            : { action: "create", resource, detail: `download-url once, through ${on[0]}` },
        ];
      } finally {
        pve.close();
      }
    },
    async apply(ctx) {
      const on = await sharing();
      // local on every host: each host's own step downloads
      if (!on.length) return { output: { storage, sharedBy: [] }, changed: false };
      const { filename, volid, imageUrl } = await imageName(input, ctx, storage);
      const pve = await input.client(on[0]);
      try {
        const base = { storage, sharedBy: on, volid, downloadedThrough: on[0] };
        if (await hasVolume(pve, on[0], storage, volid)) return { output: base, changed: false };
        const sum = await downloadImage(input, ctx, pve, on[0], storage, filename, imageUrl);
        return { output: { ...base, sha256: sum.value, checksumSource: sum.source } };
      } finally {
        pve.close();
      }
    },
  };
}

type VmCreateParams = Params & { vmid: number };

/** The MAC of a `net0` value like `virtio=BC:24:11:00:01:11,bridge=vmbr0`. */
export function macOf(net: unknown): string | undefined {
  return /(?:^|,)(?:virtio|e1000|vmxnet3|rtl8139)=([0-9A-Fa-f:]{17})/.exec(String(net ?? ""))?.[1]
    ?.toUpperCase();
}

/** Brings an existing tagged VM's cores, memory and disk to the config (disks only grow). */
async function reconcile(
  api: ProxmoxApi,
  node: NodeConfig,
  disk: string,
  running: boolean,
  ctx: { notice(message: string, level?: "info" | "warn"): void; signal: AbortSignal },
): Promise<boolean> {
  const config = await api.vmConfig(node.host, node.vmid);
  const drift = vmDrift(config, node, disk);
  let changed = false;
  const names = Object.keys(drift.changes);
  if (names.length) {
    await api.updateVmConfig(node.host, node.vmid, { ...drift.changes, digest: config.digest }, {
      signal: ctx.signal,
    });
    ctx.notice(
      running
        ? `${node.name}: ${names.join(" and ")} changed; reboot the VM for it to take effect`
        : `${node.name}: ${names.join(" and ")} changed`,
      running ? "warn" : "info",
    );
    changed = true;
  }
  if (drift.growDisk) {
    await api.resizeDisk(node.host, node.vmid, disk, `${node.diskGiB}G`, { signal: ctx.signal });
    changed = true;
  } else if (drift.diskLarger) {
    ctx.notice(
      `${node.name}: the disk is ${Math.round(drift.diskBytes / 1024 ** 3)}G, larger than the configured ` +
        `${node.diskGiB}G; disks only grow`,
      "warn",
    );
  }
  return changed;
}
