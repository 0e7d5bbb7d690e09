/**
 * Finding out where a Talos node stands, through its API only: not answering yet, in maintenance
 * mode (no config), configured by us (its certificate chains to our OS CA and it accepts our client
 * certificate), or configured by someone else (refused). And whether the config it runs is the
 * one we want, compared as data (YAML documents), not as bytes.
 *
 * @example
 * ```ts
 * const state = await probeNode(nodeClients, node);
 * if (state.mode === "configured" && sameConfig(await state.client.read(CONFIG_PATH), desired)) return;
 * ```
 */
import { parseAllDocuments } from "yaml";
import type { Clock } from "../../lib/clock/clock.ts";
import { TalosClient } from "../../lib/talos/api/client.ts";
import { TalosTlsError, TalosUnavailableError } from "../../lib/talos/api/errors.ts";
import type { TalosCredentials } from "../../lib/talos/api/transport.ts";
import type { Pending } from "../../lib/talos/api/wait.ts";

/** A node of the cluster as the Talos steps need it. */
export interface TalosNode {
  name: string;
  role: "controlplane" | "worker";
  ip: string;
  mac?: string;
}

/** Where the node keeps the applied config (Talos' STATE partition). */
export const NODE_CONFIG_PATH = "/system/state/config.yaml";

/** Makes clients for nodes: dial address, port, clock and abort signal fixed. */
export interface NodeClients {
  clock: Clock;
  signal?: AbortSignal;
  /** Address to dial for an IP (the lab's loopback twin). */
  dial(ip: string): string;
  port?: number;
  credentials: TalosCredentials;
}

export function clientFor(
  c: NodeClients,
  node: { name?: string; ip: string },
  configured: boolean,
): TalosClient {
  return new TalosClient({
    node: node.ip,
    name: node.name,
    dialAddress: c.dial(node.ip),
    port: c.port,
    credentials: configured ? c.credentials : undefined,
    clock: c.clock,
    signal: c.signal,
    callTimeoutMs: 30_000,
  });
}

/** What the node's API says about it. The returned client is open; close it. */
export type NodeState =
  | { mode: "configured"; client: TalosClient }
  | { mode: "maintenance"; client: TalosClient };

/**
 * Probes a node: configured mode first (the common case on re-runs), maintenance mode when the node
 * presents a certificate our CA did not sign. Pending while it does not answer.
 */
export async function probeNode(c: NodeClients, node: TalosNode): Promise<NodeState | Pending> {
  const configured = clientFor(c, node, true);
  try {
    await configured.version();
    return { mode: "configured", client: configured };
  } catch (err) {
    configured.close();
    if (err instanceof TalosUnavailableError) return { pending: err.grpcMessage };
    if (!(err instanceof TalosTlsError) || err.kind !== "server-untrusted") throw err;
  }
  const maintenance = clientFor(c, node, false);
  try {
    await maintenance.version();
    return { mode: "maintenance", client: maintenance };
  } catch (err) {
    maintenance.close();
    if (err instanceof TalosUnavailableError) return { pending: err.grpcMessage };
    if (err instanceof TalosTlsError && err.kind === "certificate-required") {
      // it wants a client certificate, yet refused ours a moment ago: it is changing mode right now
      return { pending: "the node is restarting its API" };
    }
    throw err;
  }
}

function documents(text: string): unknown[] {
  return parseAllDocuments(text).flatMap((d) => {
    if (d.errors.length) throw new Error(d.errors[0].message);
    const v = d.toJSON();
    return v === null || v === undefined ? [] : [v];
  });
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** True when two machine configs hold the same documents (key order and formatting aside). */
export function sameConfig(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const text = (x: string | Uint8Array) => typeof x === "string" ? x : new TextDecoder().decode(x);
  try {
    return JSON.stringify(canonical(documents(text(a)))) === JSON.stringify(canonical(documents(text(b))));
  } catch {
    return false;
  }
}

/** SHA-256 of a config's text, hex (recorded in the step output; the config itself holds keys). */
export async function configHash(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
