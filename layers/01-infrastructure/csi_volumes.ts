/**
 * Leftover Proxmox CSI volumes: the volumes the CSI driver created for this cluster's
 * PersistentVolumes (`vm-<vmid>-pvc-…`, on the VM storage) that survive their VMs when PVs are
 * retained. `destroy` lists them; only `--purge-volumes` deletes them. Applying changes nothing.
 */
import type { Step } from "../../lib/engine/types.ts";
import type { ProxmoxClient } from "../../lib/proxmox/client.ts";
import type { ClusterConfig } from "../../lib/config/schema.ts";

export const CSI_VOLUMES_STEP = "infra.csi-volumes";

/** The CSI driver parks unattached volumes on vmid 9999; attached ones carry the node's vmid. */
export function isClusterCsiVolume(volid: string, vmids: Set<number>): boolean {
  const m = /:vm-(\d+)-pvc-[0-9a-f-]+$/.exec(volid);
  return !!m && (m[1] === "9999" || vmids.has(Number(m[1])));
}

export function csiVolumesStep(input: {
  config: ClusterConfig;
  client: (host: string) => Promise<ProxmoxClient>;
  /** The CSI token's client: deleting a volume needs `Datastore.Allocate`, which only it has. */
  csiClient: (host: string) => Promise<ProxmoxClient>;
  purge: boolean;
}): Step {
  const vmids = new Set(input.config.nodes.map((n) => n.vmid));
  return {
    id: CSI_VOLUMES_STEP,
    title: "leftover CSI volumes (removed only with --purge-volumes)",
    apply: () => Promise.resolve({ changed: false }),
    async destroy(ctx) {
      for (const host of input.config.proxmox.hosts) {
        const pve = await input.client(host.name);
        try {
          const content = await pve.get<{ volid: string; size: number }[]>(
            `/nodes/${host.name}/storage/${host.storage}/content`,
            { content: "images" },
          );
          const leftovers = content.filter((v) => isClusterCsiVolume(v.volid, vmids));
          if (!leftovers.length) continue;
          const list = leftovers.map((v) => `${v.volid} (${Math.round(v.size / 1024 ** 3)} GiB)`).join(", ");
          if (!input.purge) {
            ctx.notice(
              `${host.name}: ${leftovers.length} CSI volume(s) kept: ${list}; --purge-volumes removes them`,
              "warn",
            );
            continue;
          }
          ctx.notice(`${host.name}: removing CSI volume(s) ${list}`, "warn");
          const csi = await input.csiClient(host.name);
          try {
            for (const v of leftovers) {
              const upid = await csi.delete<string>(
                `/nodes/${host.name}/storage/${host.storage}/content/${encodeURIComponent(v.volid)}`,
              );
              await csi.waitForTask(host.name, upid, { signal: ctx.signal });
            }
          } finally {
            csi.close();
          }
        } finally {
          pve.close();
        }
      }
    },
  };
}
