/**
 * Layer 00, persistent-auth: keys and tokens that must survive a cluster's teardown
 * (sealed-secrets keypair, Talos secrets bundle, Flux deploy key, Proxmox API tokens and CA).
 * Protected: `destroy` never touches it without `--including-persistent-auth` and the typed
 * cluster name.
 */
import { connectProxmoxSsh } from "../../lib/run/ssh.ts";
import type { LayerDefinition } from "../../lib/run/env.ts";
import { fluxDeployKeyStep, sealedSecretsKeyStep, talosSecretsStep } from "./keys.ts";
import { proxmoxAccessStep, proxmoxCaStep } from "./proxmox.ts";
import "./preflight.ts";

export const persistentAuth: LayerDefinition = {
  id: "00-persistent-auth",
  name: "persistent-auth",
  title: "persistent auth",
  steps: (env) => {
    const { config } = env;
    return [
      sealedSecretsKeyStep(),
      talosSecretsStep({ talosVersion: config.talos.version }),
      ...(config.flux
        ? [
          fluxDeployKeyStep({
            clusterName: config.cluster.name,
            url: config.flux.url,
            knownHosts: config.flux.knownHosts,
          }),
        ]
        : []),
      ...config.proxmox.hosts.flatMap((host) => {
        const connect = () => connectProxmoxSsh(env, host);
        return [
          proxmoxAccessStep({ host: host.name, connect, rotateTokens: env.flags.rotateProxmoxTokens }),
          proxmoxCaStep({ host: host.name, connect }),
        ];
      }),
    ];
  },
};
