/**
 * Layer 01, infrastructure: the Talos image and the Proxmox VMs (this part); Talos machine
 * configs, etcd, kubeconfig and Cilium arrive with their issues.
 */
import { FACTORY_ADDRESS, FACTORY_PORT } from "../../lab/factory/emulator.ts";
import { proxmoxClientFor } from "../../lib/run/proxmox.ts";
import type { LayerDefinition } from "../../lib/run/env.ts";
import { vmSteps } from "./vms.ts";
import { csiVolumesStep } from "./csi_volumes.ts";
import "./preflight.ts";

export const infrastructure: LayerDefinition = {
  id: "01-infrastructure",
  name: "infrastructure",
  title: "infrastructure",
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
