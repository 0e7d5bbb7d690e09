/**
 * Layer 00, persistent-auth: keys and tokens that must survive a cluster's teardown
 * (sealed-secrets keypair, Talos secrets bundle, Flux deploy key). Protected: `destroy`
 * never touches it without `--including-persistent-auth` and the typed cluster name.
 */
import type { LayerDefinition } from "../../lib/run/env.ts";
import { fluxDeployKeyStep, sealedSecretsKeyStep, talosSecretsStep } from "./keys.ts";

export const persistentAuth: LayerDefinition = {
  id: "00-persistent-auth",
  name: "persistent-auth",
  title: "persistent auth",
  steps: ({ config }) => [
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
  ],
};
