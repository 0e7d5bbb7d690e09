/**
 * Layer 01, infrastructure: Proxmox VMs, Talos, etcd, kubeconfig, Cilium.
 * Its steps arrive with the issues that build them; until then the layer has none.
 */
import type { LayerDefinition } from "../../lib/run/env.ts";

export const infrastructure: LayerDefinition = {
  id: "01-infrastructure",
  name: "infrastructure",
  title: "infrastructure",
  steps: () => [],
};
