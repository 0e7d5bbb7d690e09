/**
 * The talosconfig (Talos client config) strata writes to `.strata/<cluster>/talosconfig`: the same
 * file `talosctl gen config` writes (siderolabs/talos `pkg/machinery/client/config`): one context
 * named after the cluster with its endpoints, nodes, and the CA, client certificate and key as
 * base64 of their PEM text.
 *
 * Endpoints are the control plane IPs, never the VIP: the VIP moves between control planes during
 * etcd elections and is only up while etcd is healthy, so talosctl could not reach a node to repair
 * it. The admin client certificate is made elsewhere (`generateTalosAdminCertificate` in
 * `secrets.ts`); this module checks that it is signed by the given CA and matches its key.
 *
 * @example
 * ```ts
 * const admin = await generateTalosAdminCertificate(bundle);
 * const text = talosconfigYaml({ cluster: "homelab", endpoints: ["10.0.1.11", "10.0.1.12"], vip: "10.0.3.10",
 *   nodes: ["10.0.1.11"], ca: admin.ca, crt: admin.crt, key: admin.key });
 * ```
 */
import { Buffer } from "node:buffer";
import { createPublicKey, X509Certificate } from "node:crypto";
import { parse } from "yaml";
import { StrataError } from "../errors.ts";
import { decodePrivateKeyPem } from "../pki/keys.ts";
import { goYaml } from "./factory/go_yaml.ts";

export interface TalosconfigInput {
  /** Cluster name; the context is named after it. */
  cluster: string;
  /** Control plane addresses (IPs or names). */
  endpoints: string[];
  /** Default nodes for talosctl commands; default none. */
  nodes?: string[];
  /** The VIP, to refuse it among the endpoints. */
  vip?: string;
  /** Talos OS CA certificate: PEM text or base64 of it (as in the secrets bundle). */
  ca: string;
  /** Admin client certificate: PEM or base64 of PEM. */
  crt: string;
  /** Admin client private key: PEM or base64 of PEM. */
  key: string;
}

export interface TalosconfigContext {
  endpoints: string[];
  nodes?: string[];
  ca: string;
  crt: string;
  key: string;
}

/** The talosconfig document. */
export interface Talosconfig {
  context: string;
  contexts: Record<string, TalosconfigContext>;
}

/** PEM text from PEM or base64-of-PEM input. */
function pem(value: string, what: string): string {
  const text = value.includes("-----BEGIN") ? value : Buffer.from(value, "base64").toString("utf8");
  if (!text.includes("-----BEGIN")) {
    throw new StrataError(`talosconfig: ${what} is neither PEM nor base64 of PEM`);
  }
  return text;
}

function b64(text: string): string {
  return Buffer.from(text).toString("base64");
}

/** Builds and checks the talosconfig. */
export function talosconfig(input: TalosconfigInput): Talosconfig {
  if (!input.cluster) throw new StrataError("talosconfig: the cluster name is empty");
  if (!input.endpoints.length) {
    throw new StrataError("talosconfig: at least one control plane endpoint is needed");
  }
  if (input.vip && input.endpoints.includes(input.vip)) {
    throw new StrataError(
      `talosconfig: the VIP ${input.vip} must not be an endpoint (it moves during etcd elections)`,
      undefined,
      "use the control plane IPs as endpoints",
    );
  }
  if (new Set(input.endpoints).size !== input.endpoints.length) {
    throw new StrataError(`talosconfig: duplicate endpoints in ${input.endpoints.join(", ")}`);
  }
  const ca = pem(input.ca, "the CA certificate");
  const crt = pem(input.crt, "the client certificate");
  const key = pem(input.key, "the client key");
  let caCert: X509Certificate, clientCert: X509Certificate;
  try {
    caCert = new X509Certificate(ca);
    clientCert = new X509Certificate(crt);
  } catch (err) {
    throw new StrataError(`talosconfig: a certificate does not parse: ${(err as Error).message}`);
  }
  if (!clientCert.verify(caCert.publicKey)) {
    throw new StrataError("talosconfig: the client certificate is not signed by the Talos CA (certs.os)");
  }
  let publicKey;
  try {
    publicKey = createPublicKey(decodePrivateKeyPem(key));
  } catch (err) {
    throw new StrataError(`talosconfig: the client key does not parse: ${(err as Error).message}`);
  }
  if (!publicKey.equals(clientCert.publicKey)) {
    throw new StrataError("talosconfig: the client key does not belong to the client certificate");
  }
  // key order as talosctl writes it: endpoints, nodes, ca, crt, key
  const context: TalosconfigContext = {
    endpoints: [...input.endpoints],
    ...(input.nodes?.length ? { nodes: [...input.nodes] } : {}),
    ca: b64(ca),
    crt: b64(crt),
    key: b64(key),
  };
  return { context: input.cluster, contexts: { [input.cluster]: context } };
}

/** The talosconfig as YAML, laid out as talosctl writes it. */
export function talosconfigYaml(input: TalosconfigInput): string {
  const cfg = talosconfig(input);
  return goYaml(cfg as unknown as Parameters<typeof goYaml>[0]);
}

/** Reads a talosconfig; the current context's endpoints, nodes and PEM texts. */
export function parseTalosconfig(text: string): {
  context: string;
  endpoints: string[];
  nodes: string[];
  ca: string;
  crt: string;
  key: string;
} {
  const doc = parse(text) as Partial<Talosconfig> | null;
  const name = doc?.context;
  const ctx = name ? doc?.contexts?.[name] : undefined;
  if (!name || !ctx) throw new StrataError("talosconfig: no current context");
  if (!Array.isArray(ctx.endpoints) || !ctx.endpoints.length) {
    throw new StrataError(`talosconfig: context ${name} has no endpoints`);
  }
  return {
    context: name,
    endpoints: ctx.endpoints,
    nodes: ctx.nodes ?? [],
    ca: pem(ctx.ca ?? "", "ca"),
    crt: pem(ctx.crt ?? "", "crt"),
    key: pem(ctx.key ?? "", "key"),
  };
}
