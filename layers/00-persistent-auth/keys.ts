/**
 * Layer 00 steps for the keys that must outlive any cluster rebuild: the sealed-secrets key pair,
 * the Flux deploy key and the Talos secrets bundle. Each step generates its key once; on every later
 * run it returns the stored key unchanged (`changed: false`). If the state says a key was made but
 * its secret cannot be read, the step stops rather than make a new one: a new key would orphan every
 * sealed secret in git, the deploy key registered at the git host, or the cluster's whole PKI.
 *
 * @example
 * ```ts
 * const steps = persistentAuthKeySteps({
 *   clusterName: config.cluster.name,
 *   flux: { url: config.flux.url, knownHosts: config.flux.knownHosts },
 *   talosVersion: config.talos.version,
 * });
 * ```
 */
import { X509Certificate } from "node:crypto";
import type { PlanChange, Step, StepContext, StepResult } from "../../lib/engine/types.ts";
import { StrataError, UsageError } from "../../lib/errors.ts";
import { deployKeyFromPrivate, deployKeyInstruction, generateDeployKey } from "../../lib/keys/deploy_key.ts";
import { knownHostsFor } from "../../lib/keys/known_hosts.ts";
import { checkSealedSecretsKey, generateSealedSecretsKey } from "../../lib/keys/sealed_secrets_key.ts";
import { generateTalosSecrets, parseTalosSecrets, type TalosSecretsBundle } from "../../lib/talos/secrets.ts";
import { Buffer } from "node:buffer";

export const SEALED_SECRETS_KEY_STEP = "auth.sealed-secrets-key";
export const FLUX_DEPLOY_KEY_STEP = "auth.flux-deploy-key";
export const TALOS_SECRETS_STEP = "auth.talos-secrets";

/** Public output of {@link sealedSecretsKeyStep}. */
export interface SealedSecretsKeyOutput {
  /** PEM certificate to seal with (`deno task seal`, kubeseal --cert). */
  certificate: string;
  /** `SHA256:…` of the public key, as the controller logs it. */
  fingerprint: string;
  notAfter: string;
}

/** Secret part of {@link sealedSecretsKeyStep}. */
export interface SealedSecretsKeySecret {
  /** `RSA PRIVATE KEY` PEM. */
  privateKey: string;
  /** The certificate again, so the pair is whole in the encrypted part alone. */
  certificate: string;
}

/** Public output of {@link fluxDeployKeyStep}. */
export interface FluxDeployKeyOutput {
  /** `ssh-ed25519 AAAA… flux@<cluster>` */
  publicKey: string;
  fingerprint: string;
  /** The validated known_hosts lines for the git host. */
  knownHosts: string;
  /** One line telling the user where to add the deploy key. */
  instruction: string;
}

/** Secret part of {@link fluxDeployKeyStep}. */
export interface FluxDeployKeySecret {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` text. */
  privateKey: string;
}

/** Public output of {@link talosSecretsStep}: CA certificates (PEM) that clients may trust. */
export interface TalosSecretsOutput {
  osCa: string;
  kubernetesCa: string;
  etcdCa: string;
  aggregatorCa: string;
}

/** Secret part of {@link talosSecretsStep}. */
export interface TalosSecretsSecret {
  bundle: TalosSecretsBundle;
}

/** Reads this step's stored secret, refusing to continue when the state says it exists but it is unreadable. */
async function storedSecret<T>(ctx: StepContext, stepId: string, what: string): Promise<T | undefined> {
  const secret = await ctx.secret<T>(stepId);
  if (secret === undefined && ctx.previous?.hasSecret) {
    throw new StrataError(
      `the ${what} was created before, but its secret is not readable from the state`,
      undefined,
      "restore the layer-00 state (or `deno task auth import FILE` from a backup); strata never replaces an " +
        "existing key silently because everything built on it would break",
    );
  }
  return secret;
}

function planFor(ctx: StepContext, resource: string): Promise<PlanChange[]> {
  return Promise.resolve([{ action: ctx.previous?.hasSecret ? "noop" : "create", resource }]);
}

/** The sealed-secrets controller key pair (RSA 4096, the controller's own certificate form). */
export function sealedSecretsKeyStep(): Step {
  const id = SEALED_SECRETS_KEY_STEP;
  return {
    id,
    title: "sealed-secrets key pair (RSA 4096)",
    async apply(ctx): Promise<StepResult> {
      const stored = await storedSecret<SealedSecretsKeySecret>(ctx, id, "sealed-secrets key");
      if (!stored) ctx.progress("generating RSA 4096 key");
      const key = stored ?? await generateSealedSecretsKey({ now: new Date(ctx.clock.now()) });
      const output: SealedSecretsKeyOutput = {
        certificate: key.certificate,
        fingerprint: checkSealedSecretsKey(key),
        notAfter: new Date(new X509Certificate(key.certificate).validTo).toISOString(),
      };
      const secret: SealedSecretsKeySecret = { privateKey: key.privateKey, certificate: key.certificate };
      return { output: { ...output }, secret: { ...secret }, changed: !stored };
    },
    plan: (ctx) => planFor(ctx, "sealed-secrets key pair"),
  };
}

/** Inputs of {@link fluxDeployKeyStep}: config `cluster.name`, `flux.url`, `flux.knownHosts`. */
export interface FluxDeployKeyInput {
  clusterName: string;
  url: string;
  knownHosts: string;
}

/** The Flux deploy key (Ed25519, OpenSSH format) and the git host's known_hosts lines. */
export function fluxDeployKeyStep(input: FluxDeployKeyInput): Step {
  const id = FLUX_DEPLOY_KEY_STEP;
  return {
    id,
    title: "Flux deploy key (ed25519)",
    async apply(ctx): Promise<StepResult> {
      const knownHosts = checkKnownHosts(input);
      const stored = await storedSecret<FluxDeployKeySecret>(ctx, id, "Flux deploy key");
      const key = stored ? deployKeyFromPrivate(stored.privateKey) : await generateDeployKey(input);
      const output: FluxDeployKeyOutput = {
        publicKey: key.publicKey,
        fingerprint: key.fingerprint,
        knownHosts,
        instruction: deployKeyInstruction(key, input.url),
      };
      if (!stored) ctx.notice(`${output.instruction}\n  ${key.publicKey}`, "warn");
      const previous = ctx.output<FluxDeployKeyOutput>(id);
      const changed = !stored || JSON.stringify(previous) !== JSON.stringify(output);
      return { output: { ...output }, secret: { privateKey: key.privateKey }, changed };
    },
    plan: (ctx) => {
      checkKnownHosts(input);
      return planFor(ctx, "Flux deploy key");
    },
  };
}

function checkKnownHosts(input: FluxDeployKeyInput): string {
  if (!input.knownHosts?.trim()) {
    throw new UsageError(
      "flux.knownHosts is empty; Flux must verify the git host's SSH key",
      "set flux.knownHosts to the host's line, e.g. from `ssh-keyscan github.com` (check its fingerprint " +
        "against the host's published fingerprints)",
    );
  }
  try {
    return knownHostsFor(input.url, input.knownHosts).map((e) => e.line).join("\n");
  } catch (e) {
    throw new UsageError(`flux.knownHosts: ${(e as Error).message}`);
  }
}

/** The Talos secrets bundle (`talosctl gen secrets` equivalent) for config `talos.version`. */
export function talosSecretsStep(input: { talosVersion?: string } = {}): Step {
  const id = TALOS_SECRETS_STEP;
  return {
    id,
    title: "Talos secrets bundle",
    async apply(ctx): Promise<StepResult> {
      const stored = await storedSecret<TalosSecretsSecret>(ctx, id, "Talos secrets bundle");
      let bundle: TalosSecretsBundle;
      if (stored) {
        bundle = parseTalosSecrets(stored.bundle);
      } else {
        ctx.progress("generating Talos CAs and tokens");
        bundle = await generateTalosSecrets({
          now: new Date(ctx.clock.now()),
          talosVersion: input.talosVersion,
        });
      }
      const pem = (b64: string) => Buffer.from(b64, "base64").toString();
      const output: TalosSecretsOutput = {
        osCa: pem(bundle.certs.os.crt),
        kubernetesCa: pem(bundle.certs.k8s.crt),
        etcdCa: pem(bundle.certs.etcd.crt),
        aggregatorCa: pem(bundle.certs.k8saggregator.crt),
      };
      return { output: { ...output }, secret: { bundle }, changed: !stored };
    },
    plan: (ctx) => planFor(ctx, "Talos secrets bundle"),
  };
}

/** Inputs for the key steps, narrowed from the cluster config. */
export interface PersistentAuthKeysInput {
  clusterName: string;
  flux: { url: string; knownHosts: string };
  talosVersion?: string;
}

/** The three key steps of layer 00, in order. */
export function persistentAuthKeySteps(input: PersistentAuthKeysInput): Step[] {
  return [
    sealedSecretsKeyStep(),
    fluxDeployKeyStep({ clusterName: input.clusterName, ...input.flux }),
    talosSecretsStep({ talosVersion: input.talosVersion }),
  ];
}
