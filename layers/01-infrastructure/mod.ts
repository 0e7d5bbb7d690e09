/**
 * Layer 01, infrastructure: the Talos image and the Proxmox VMs; Talos from maintenance mode to a
 * bootstrapped control plane with a kubeconfig; Cilium; and every node Ready with its pod network
 * probed. The steps of each part live beside this file; this module wires them together:
 *
 *   image → VM per node → talos.apply per node (as soon as its VM runs) → … → talos.kubeconfig
 *   → cilium.install → nodes.ready → cilium.rollout → nodes.probe per node
 */
import { FACTORY_ADDRESS, FACTORY_PORT } from "../../lab/factory/emulator.ts";
import { StrataError } from "../../lib/errors.ts";
import type { StepContext } from "../../lib/engine/types.ts";
import { proxmoxClientFor } from "../../lib/run/proxmox.ts";
import type { LayerDefinition, RenderedArtifacts, RunEnv } from "../../lib/run/env.ts";
import { installerImage } from "../../lib/talos/factory/image.ts";
import { generateClusterConfigs, generateMachineConfig } from "../../lib/talos/machineconfig/mod.ts";
import { machineConfigInputs } from "../../lib/talos/machineconfig/from_config.ts";
import { generateTalosAdminCertificate, type TalosSecretsBundle } from "../../lib/talos/secrets.ts";
import { talosconfigYaml } from "../../lib/talos/talosconfig.ts";
import { TALOS_SECRETS_STEP } from "../00-persistent-auth/keys.ts";
import {
  CILIUM_INSTALL_STEP,
  CILIUM_ROLLOUT_STEP,
  ciliumInputsFrom,
  ciliumSteps,
  kubeClientFrom,
  renderCiliumArtifacts,
} from "./cilium.ts";
import { csiVolumesStep } from "./csi_volumes.ts";
import { NODES_READY_STEP, nodeSteps } from "./nodes.ts";
import { ADMIN_CERT_STEP, KUBECONFIG_STEP, type TalosNode, talosSteps } from "./talos.ts";
import { imageVolid, SCHEMATIC_STEP, schematicFor, vmCreateParams, vmStepId, vmSteps } from "./vms.ts";
import "./preflight.ts";
import "./preflight_versions.ts";

/** The schematic id of this run (a step's context) or of the state (`render`). */
function schematicOf(env: RunEnv, ctx?: StepContext) {
  return schematicFor(env.config, ctx?.output(SCHEMATIC_STEP) ?? env.state.step(SCHEMATIC_STEP)?.output);
}

/** The Talos secrets bundle layer 00 keeps. */
async function talosBundle(env: RunEnv): Promise<TalosSecretsBundle | undefined> {
  return (await env.state.secret<{ bundle: TalosSecretsBundle }>(TALOS_SECRETS_STEP))?.bundle;
}

/** The machine configs (YAML) of every node, or of `only`, from the config, the bundle and the VMs' MACs. */
function machineConfigs(
  env: RunEnv,
  bundle: TalosSecretsBundle,
  schematic: string,
  macs: Record<string, string>,
  only?: string,
): Record<string, string> {
  const { config } = env;
  const image = installerImage(config.talos.factory, schematic, config.talos.version);
  const { cluster, nodes } = machineConfigInputs(config, bundle, image, { macs });
  if (only) {
    const controlPlaneIps = nodes.filter((n) => n.role === "controlplane").map((n) => n.ip);
    const node = nodes.find((n) => n.name === only)!;
    return { [only]: generateMachineConfig(cluster, node, { controlPlaneIps }).yaml };
  }
  return Object.fromEntries(generateClusterConfigs(cluster, nodes).map((c) => [c.node, c.yaml]));
}

/** For each VM, the exact parameters strata sends to create it (`proxmox/vms.json`). */
async function renderVms(env: RunEnv): Promise<RenderedArtifacts> {
  const { config } = env;
  const schematic = await schematicOf(env);
  const vms: Record<string, unknown> = {};
  for (const node of config.nodes) {
    const host = config.proxmox.hosts.find((h) => h.name === node.host)!;
    // the same volid on every host: on a storage the hosts share, all import the one downloaded file
    const volid = imageVolid(host.imageStorage, schematic.id, config.talos.version);
    vms[node.name] = {
      host: node.host,
      path: `/nodes/${node.host}/qemu`,
      params: vmCreateParams(config, node, volid),
    };
  }
  const doc = { schematic: schematic.id, schematicFrom: schematic.from, vms };
  return { files: { "proxmox/vms.json": JSON.stringify(doc, null, 2) + "\n" } };
}

/** `talos/<node>.yaml` and `talosconfig`: they embed layer 00's keys, so they are private files. */
async function renderTalos(env: RunEnv): Promise<RenderedArtifacts> {
  const bundle = await talosBundle(env);
  if (!bundle) {
    return {
      files: {},
      notes: ["layer 00 has not run yet, so talos/ and talosconfig are not rendered (they embed its keys)"],
    };
  }
  const { config } = env;
  const schematic = await schematicOf(env);
  const macs = Object.fromEntries(
    config.nodes.flatMap((n) => {
      const mac = env.state.step(vmStepId(n.name))?.output.mac as string | undefined;
      return mac ? [[n.name, mac]] : [];
    }),
  );
  const configs = machineConfigs(env, bundle, schematic.id, macs);
  const files: Record<string, string> = {};
  for (const [node, yaml] of Object.entries(configs)) files[`talos/${node}.yaml`] = yaml;
  // the run's client certificate when there is one, else a fresh one from the same OS CA
  const admin = await env.state.secret<{ ca: string; crt: string; key: string }>(ADMIN_CERT_STEP) ??
    await generateTalosAdminCertificate(bundle, { now: new Date(Date.now() - 10_000) });
  const controlPlanes = config.nodes.filter((n) => n.role === "controlplane");
  files["talosconfig"] = talosconfigYaml({
    cluster: config.cluster.name,
    endpoints: controlPlanes.map((n) => n.ip),
    nodes: [controlPlanes[0].ip],
    vip: config.network.vip,
    ...admin,
  });
  const missing = config.nodes.filter((n) => !n.mac && !macs[n.name]).map((n) => n.name);
  const notes = missing.length
    ? [`talos/: ${missing.join(", ")} select their link by device (no MAC in the config, and no VM yet)`]
    : [];
  return { files: {}, privateFiles: files, notes };
}

async function renderAll(env: RunEnv): Promise<RenderedArtifacts> {
  const parts = [await renderVms(env), await renderTalos(env), renderCiliumArtifacts(env)];
  return {
    files: Object.assign({}, ...parts.map((p) => p.files)),
    privateFiles: Object.assign({}, ...parts.map((p) => p.privateFiles ?? {})),
    notes: parts.flatMap((p) => p.notes ?? []),
  };
}

export const infrastructure: LayerDefinition = {
  id: "01-infrastructure",
  name: "infrastructure",
  title: "infrastructure",
  render: renderAll,
  steps: (env) => {
    const { config } = env;
    const client = (host: string) => proxmoxClientFor(env, host);
    const csi = csiVolumesStep({
      config,
      client,
      csiClient: (host) => proxmoxClientFor(env, host, "csi"),
      purge: env.flags.purgeVolumes,
    });
    const vms = vmSteps({
      config,
      factory: env.lab ? `http://${FACTORY_ADDRESS}:${FACTORY_PORT}` : config.talos.factory,
      client,
    });

    const bundle = async (ctx: StepContext) => {
      const b = (await ctx.secret<{ bundle: TalosSecretsBundle }>(TALOS_SECRETS_STEP))?.bundle;
      if (!b) {
        throw new StrataError(
          "the Talos secrets bundle is not in layer 00's state",
          1,
          "run `deno task bootstrap --only=persistent-auth` first",
        );
      }
      return b;
    };
    // a node's config needs only its own VM (for the MAC Proxmox chose), so each node goes ahead alone
    const machineConfig = async (node: TalosNode, ctx: StepContext) => {
      const schematic = await schematicOf(env, ctx);
      const mac = ctx.output<{ mac?: string }>(vmStepId(node.name))?.mac;
      return machineConfigs(env, await bundle(ctx), schematic.id, mac ? { [node.name]: mac } : {}, node.name)[
        node.name
      ];
    };
    const talos = talosSteps({
      cluster: config.cluster.name,
      nodes: config.nodes.map((n) => ({ name: n.name, role: n.role, ip: n.ip, mac: n.mac })),
      vip: config.network.vip,
      secrets: bundle,
      machineConfig,
      clusterDir: env.clusterDir,
      dial: (ip) => env.dial(ip),
      after: (node) => [vmStepId(node.name)],
    });
    const cilium = ciliumSteps({
      inputs: ciliumInputsFrom(config),
      kube: kubeClientFrom,
      after: [KUBECONFIG_STEP],
      nodesReadyStep: NODES_READY_STEP,
    });
    const nodes = nodeSteps({
      nodes: config.nodes,
      kube: kubeClientFrom,
      after: [CILIUM_INSTALL_STEP],
      probesAfter: [CILIUM_ROLLOUT_STEP],
    });
    // VMs depend on the (apply: no-op) CSI step so that destroy removes volumes after the VMs
    const vmIds = new Set(config.nodes.map((n) => vmStepId(n.name)));
    return [
      csi,
      ...vms.map((s) => vmIds.has(s.id) ? { ...s, dependsOn: [...s.dependsOn ?? [], csi.id] } : s),
      ...talos,
      ...cilium,
      ...nodes,
    ];
  },
};
