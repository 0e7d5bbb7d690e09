/**
 * Layer 01, infrastructure: the Talos image and the Proxmox VMs (this part); Talos machine
 * configs, etcd, kubeconfig and Cilium arrive with their issues.
 */
import { FACTORY_ADDRESS, FACTORY_PORT } from "../../lab/factory/emulator.ts";
import { proxmoxClientFor } from "../../lib/run/proxmox.ts";
import type { LayerDefinition, RenderedArtifacts, RunEnv } from "../../lib/run/env.ts";
import { schematicId, schematicYaml } from "../../lib/talos/factory/schematic.ts";
import { imageFilename, vmCreateParams, vmSteps } from "./vms.ts";
import { csiVolumesStep } from "./csi_volumes.ts";
import "./preflight.ts";

/** For each VM, the exact parameters strata sends to create it (`proxmox/vms.json`). */
async function renderVms(env: RunEnv): Promise<RenderedArtifacts> {
  const { config, state } = env;
  const fromState = state.step("infra.image-schematic")?.output.schematic as string | undefined;
  // without a run, the id is computed as the factory computes it (SHA-256 of the canonical schematic)
  const schematic = fromState ?? await schematicId(schematicYaml(config.talos.extensions));
  const vms: Record<string, unknown> = {};
  for (const node of config.nodes) {
    const host = config.proxmox.hosts.find((h) => h.name === node.host)!;
    const volid = `${host.imageStorage}:import/${imageFilename(schematic, config.talos.version)}`;
    vms[node.name] = {
      host: node.host,
      path: `/nodes/${node.host}/qemu`,
      params: vmCreateParams(config, node, volid),
    };
  }
  const doc = { schematic, schematicFrom: fromState ? "state" : "computed", vms };
  return { files: { "proxmox/vms.json": JSON.stringify(doc, null, 2) + "\n" } };
}

export const infrastructure: LayerDefinition = {
  id: "01-infrastructure",
  name: "infrastructure",
  title: "infrastructure",
  render: renderVms,
  steps: (env) => {
    const client = (host: string) => proxmoxClientFor(env, host);
    const csi = csiVolumesStep({ config: env.config, client, purge: env.flags.purgeVolumes });
    const vms = vmSteps({
      config: env.config,
      factory: env.lab ? `http://${FACTORY_ADDRESS}:${FACTORY_PORT}` : env.config.talos.factory,
      client,
    });
    // VMs depend on the (apply: no-op) CSI step so that destroy removes volumes after the VMs
    return [
      csi,
      ...vms.map((s) =>
        s.id.startsWith("infra.vm.") ? { ...s, dependsOn: [...s.dependsOn ?? [], csi.id] } : s
      ),
    ];
  },
};
