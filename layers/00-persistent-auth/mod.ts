/**
 * Layer 00, persistent-auth: keys and tokens that must survive a cluster's teardown
 * (sealed-secrets keypair, Talos secrets bundle, Flux deploy key, Proxmox API tokens and CA).
 * Protected: `destroy` never touches it without `--including-persistent-auth` and the typed
 * cluster name.
 */
import { connectProxmoxSsh } from "../../lib/run/ssh.ts";
import type { LayerDefinition, RenderedArtifacts, RunEnv } from "../../lib/run/env.ts";
import { fluxDeployKeyStep, sealedSecretsKeyStep, talosSecretsStep } from "./keys.ts";
import { proxmoxAccessStep, proxmoxCaStep } from "./proxmox.ts";
import type { StepContext } from "../../lib/engine/types.ts";
import { ProxmoxApiError } from "../../lib/proxmox/errors.ts";
import { proxmoxClientWith } from "../../lib/run/proxmox.ts";
import "./preflight.ts";

/** Whether an API token secret authenticates on a host's API (verified against its root CA). */
async function tokenWorks(
  env: RunEnv,
  host: string,
  ctx: StepContext,
  token: string,
  secret: string,
): Promise<boolean> {
  const caPem = ctx.output<{ caPem: string }>(`auth.proxmox-ca.${host}`)?.caPem;
  if (!caPem) return false;
  const pve = proxmoxClientWith(env, host, { token, secret, caPem, clock: ctx.clock });
  try {
    await pve.get("/version", undefined, ctx.signal);
    return true;
  } catch (err) {
    if (err instanceof ProxmoxApiError && err.status === 401) return false;
    throw err;
  } finally {
    pve.close();
  }
}

/** The public halves of layer 00's keys, from state (they exist only once the layer has run). */
function renderPublicKeys(env: RunEnv): RenderedArtifacts {
  const files: Record<string, string> = {};
  const cert = env.state.step("auth.sealed-secrets-key")?.output.certificate;
  if (typeof cert === "string") files["auth/sealed-secrets.crt"] = cert;
  const pub = env.state.step("auth.flux-deploy-key")?.output.publicKey;
  if (typeof pub === "string") files["auth/flux-deploy-key.pub"] = pub.endsWith("\n") ? pub : pub + "\n";
  const notes = files["auth/sealed-secrets.crt"]
    ? []
    : ["layer 00 has not run yet, so the auth/ public keys are not rendered"];
  return { files, notes };
}

export const persistentAuth: LayerDefinition = {
  id: "00-persistent-auth",
  name: "persistent-auth",
  title: "persistent auth",
  render: renderPublicKeys,
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
      ...config.proxmox.hosts.flatMap((host, i, hosts) => {
        const connect = () => connectProxmoxSsh(env, host);
        const ca = proxmoxCaStep({ host: host.name, connect });
        const access = proxmoxAccessStep({
          host: host.name,
          connect,
          rotateTokens: env.flags.rotateProxmoxTokens,
          peers: hosts.slice(0, i).map((h) => h.name),
          tokenWorks: (ctx, token, secret) => tokenWorks(env, host.name, ctx, token, secret),
        });
        // one host after the other: hosts of one PVE cluster change the same user database, and
        // a later host checks the earlier hosts' tokens against its API (verified with its CA)
        const after = i ? [`auth.proxmox-access.${hosts[i - 1].name}`, ca.id] : [];
        return [{ ...access, dependsOn: [...access.dependsOn ?? [], ...after] }, ca];
      }),
    ];
  },
};
