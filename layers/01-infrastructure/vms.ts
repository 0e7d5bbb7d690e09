/**
 * Layer 01, part 1: the Talos image from the Image Factory on each Proxmox storage that needs it,
 * and one VM per node with the settings Talos needs, created in parallel across hosts within the
 * per-host limit, started, and kept in line with the config (drift). Only VMs tagged with this
 * cluster's tag are ever changed or deleted.
 */
import { StrataError } from "../../lib/errors.ts";
import type { PlanChange, Step } from "../../lib/engine/types.ts";
import type { ClusterConfig, NodeConfig } from "../../lib/config/schema.ts";
import { cidrContains, ipToInt, parseCidr } from "../../lib/config/net.ts";
import type { ProxmoxClient } from "../../lib/proxmox/client.ts";
import { createSchematic, installerImage, nocloudImageUrl } from "../../lib/talos/factory/schematic.ts";
import { ImageFactoryClient } from "../../lib/talos/factory/client.ts";

export const SCHEMATIC_STEP = "infra.image-schematic";

export interface VmInputs {
  config: ClusterConfig;
  /** The Image Factory to use (the config's, or the lab's). */
  factory: string;
  /** A client for a Proxmox host (token and CA from layer 00). */
  client: (host: string) => Promise<ProxmoxClient>;
}

type Vm = { vmid: number; name?: string; status: string; tags?: string };

export function clusterTag(cluster: string): string {
  return `strata-${cluster}`;
}

function tagsOf(vm: { tags?: string }): string[] {
  return (vm.tags ?? "").split(/[;,\s]+/).filter(Boolean);
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

  // one download per storage (shared storage is downloaded once, from its first host)
  const imageStep = new Map<string, Step>();
  for (const host of config.proxmox.hosts) {
    if (!config.nodes.some((n) => n.host === host.name)) continue;
    const key = `${host.name}.${host.imageStorage}`;
    imageStep.set(host.name, {
      id: `infra.image.${key}`,
      title: `Talos image on ${host.name}:${host.imageStorage}`,
      dependsOn: [SCHEMATIC_STEP],
      resources: [`proxmox-host:${host.name}`],
      timeoutMs: 30 * 60_000,
      async apply(ctx) {
        const { schematic: id, imageUrl } = ctx.output<{ schematic: string; imageUrl: string }>(
          SCHEMATIC_STEP,
        )!;
        const filename = imageFilename(id, config.talos.version);
        const volid = `${host.imageStorage}:import/${filename}`;
        const pve = await input.client(host.name);
        try {
          const content = await pve.get<{ volid: string }[]>(
            `/nodes/${host.name}/storage/${host.imageStorage}/content`,
            {
              content: "import",
            },
          );
          if (content.some((c) => c.volid === volid)) return { output: { volid }, changed: false };
          ctx.progress(`checksum of ${imageUrl}`);
          const sum = await new ImageFactoryClient({ url: input.factory, signal: ctx.signal }).imageChecksum(
            imageUrl,
          );
          ctx.progress(
            `downloading ${imageUrl} (sha256 from the ${sum.source === "factory" ? "factory" : "image"})`,
          );
          const upid = await pve.post<string>(
            `/nodes/${host.name}/storage/${host.imageStorage}/download-url`,
            {
              url: imageUrl,
              content: "import",
              filename,
              checksum: sum.value,
              "checksum-algorithm": sum.algorithm,
            },
          );
          await pve.waitForTask(host.name, upid, { signal: ctx.signal });
          return { output: { volid, sha256: sum.value, checksumSource: sum.source } };
        } finally {
          pve.close();
        }
      },
    });
  }

  const vms: Step[] = config.nodes.map((node) => {
    const image = imageStep.get(node.host)!;
    const path = `/nodes/${node.host}/qemu/${node.vmid}`;
    return {
      id: `infra.vm.${node.name}`,
      title: `VM ${node.name} (${node.vmid}) on ${node.host}`,
      dependsOn: [image.id],
      resources: [`proxmox-host:${node.host}`],
      timeoutMs: 20 * 60_000,
      async plan(ctx) {
        const pve = await input.client(node.host);
        try {
          const vm = (await pve.get<Vm[]>(`/nodes/${node.host}/qemu`)).find((v) => v.vmid === node.vmid);
          const change: PlanChange = !vm
            ? { action: "create", resource: `vm ${node.vmid} ${node.name} on ${node.host}` }
            : { action: "noop", resource: `vm ${node.vmid} ${node.name} on ${node.host}` };
          void ctx;
          return [change];
        } finally {
          pve.close();
        }
      },
      async apply(ctx) {
        const { volid } = ctx.output<{ volid: string }>(image.id)!;
        const pve = await input.client(node.host);
        try {
          let changed = false;
          const existing = (await pve.get<Vm[]>(`/nodes/${node.host}/qemu`)).find((v) =>
            v.vmid === node.vmid
          );
          if (existing && !tagsOf(existing).includes(cluster)) {
            throw new StrataError(
              `vmid ${node.vmid} on ${node.host} is taken by VM "${
                existing.name ?? "?"
              }", which strata does not manage`,
              2,
              `choose another vmid for nodes "${node.name}" in the config; strata never touches untagged VMs`,
            );
          }
          const params = vmCreateParams(config, node, volid);
          const disk = config.talos.diskBus === "virtio" ? "virtio0" : "scsi0";
          if (!existing) {
            ctx.progress("creating");
            await pve.waitForTask(node.host, await pve.post<string>(`/nodes/${node.host}/qemu`, params), {
              signal: ctx.signal,
            });
            // resize is a task (PVE 8+): wait for it before the start takes the VM's lock
            await pve.runTask(node.host, "PUT", `${path}/resize`, { disk, size: `${node.diskGiB}G` }, {
              signal: ctx.signal,
            });
            changed = true;
          } else {
            changed = await reconcile(pve, node, path, disk, (m) => ctx.notice(m, "warn"));
          }
          const status = await pve.get<{ status: string }>(`${path}/status/current`);
          if (status.status !== "running") {
            ctx.progress("starting");
            await pve.waitForTask(node.host, await pve.post<string>(`${path}/status/start`), {
              signal: ctx.signal,
            });
            changed = true;
          }
          return { output: { vmid: node.vmid, host: node.host, ip: node.ip }, changed };
        } finally {
          pve.close();
        }
      },
      async destroy(ctx) {
        const pve = await input.client(node.host);
        try {
          const vm = (await pve.get<Vm[]>(`/nodes/${node.host}/qemu`)).find((v) => v.vmid === node.vmid);
          if (!vm) return;
          if (!tagsOf(vm).includes(cluster)) {
            ctx.notice(`vm ${node.vmid} on ${node.host} is not tagged ${cluster}; left untouched`, "warn");
            return;
          }
          ctx.progress(`destroying vm ${node.vmid} ${vm.name}`);
          if (vm.status === "running") {
            await pve.waitForTask(node.host, await pve.post<string>(`${path}/status/stop`), {
              signal: ctx.signal,
            });
          }
          await pve.waitForTask(
            node.host,
            await pve.delete<string>(path, { purge: 1, "destroy-unreferenced-disks": 1 }),
            { signal: ctx.signal },
          );
        } finally {
          pve.close();
        }
      },
    };
  });
  return [schematic, ...imageStep.values(), ...vms];
}

/** Brings an existing tagged VM's cores, memory and disk to the config (disks only grow). */
async function reconcile(
  pve: ProxmoxClient,
  node: NodeConfig,
  path: string,
  disk: string,
  notice: (message: string) => void,
): Promise<boolean> {
  const current = await pve.get<Record<string, string>>(`${path}/config`);
  const changes: Record<string, string | number> = {};
  if (Number(current.cores) !== node.cores) changes.cores = node.cores;
  if (Number(current.memory) !== node.memoryMiB) changes.memory = node.memoryMiB;
  let changed = false;
  if (Object.keys(changes).length) {
    await pve.waitForTask(
      node.host,
      await pve.post<string>(`${path}/config`, { ...changes, digest: current.digest }),
    );
    notice(
      `${node.name}: ${Object.keys(changes).join(" and ")} changed; reboot the VM for it to take effect`,
    );
    changed = true;
  }
  const size = Number(/size=(\d+)G/.exec(current[disk] ?? "")?.[1] ?? 0);
  if (size < node.diskGiB) {
    await pve.runTask(node.host, "PUT", `${path}/resize`, { disk, size: `${node.diskGiB}G` });
    changed = true;
  } else if (size > node.diskGiB) {
    notice(
      `${node.name}: the disk is ${size}G, larger than the configured ${node.diskGiB}G; disks only grow`,
    );
  }
  return changed;
}
