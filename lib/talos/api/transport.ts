/**
 * TLS to a Talos node's apid (port 50000), in the two ways talosctl does it:
 *
 * - maintenance mode (`talosctl --insecure`): TLS without a client certificate and without checking
 *   the node's certificate at all: an unconfigured node has no PKI yet, only a certificate from a
 *   throw-away CA of its own, so there is nothing to verify it against;
 * - configured mode: mutual TLS with the talosconfig client certificate; the node's certificate must
 *   chain to the cluster's Talos OS CA and carry the node's IP address.
 *
 * Deno's TLS refuses an IP address as SNI name, so the connection sends a fixed DNS name as SNI and
 * we check the node's IP against the certificate's IP SANs ourselves.
 *
 * @example
 * ```ts
 * const creds = channelCredentials({ node: "10.0.1.11", credentials: { ca, crt, key } });
 * const client = new grpc.Client("10.0.1.11:50000", creds, CHANNEL_OPTIONS);
 * ```
 */
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import type { PeerCertificate } from "node:tls";
import * as tls from "node:tls";
import type { Clock } from "../../clock/clock.ts";
import { decodePrivateKeyPem, encodePrivateKeyPem } from "../../pki/keys.ts";
import type { TlsRefusal } from "./errors.ts";

/** apid's port. */
export const TALOS_API_PORT = 50000;

/** SNI sent instead of the IP (which Deno refuses); never used to verify anything. */
export const TALOS_SNI = "talos-apid.strata.invalid";

/** PEM texts of the talosconfig: the Talos OS CA and the admin client certificate and key. */
export interface TalosCredentials {
  ca: string;
  crt: string;
  key: string;
}

/** Channel options for every Talos connection (one attempt per call; strata does its own retries). */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.ssl_target_name_override": TALOS_SNI,
  "grpc.enable_retries": 0,
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
  "grpc.keepalive_time_ms": 30_000,
};

function expandIpv6(ip: string): string {
  const [head, tail] = ip.toLowerCase().split("::");
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const fill = tail !== undefined ? Array(8 - h.length - t.length).fill("0") : [];
  return [...h, ...fill, ...t].map((p) => p.replace(/^0+(?=.)/, "")).join(":");
}

/** The IP addresses a certificate is valid for (its IP SANs). */
export function certificateIps(cert: Pick<PeerCertificate, "subjectaltname">): string[] {
  return (cert.subjectaltname ?? "").split(/,\s*/)
    .filter((s) => s.startsWith("IP Address:"))
    .map((s) => s.slice("IP Address:".length));
}

/** Checks that `cert` carries `ip` among its IP SANs; the error text names both. */
export function checkIpIdentity(
  ip: string,
  cert: Pick<PeerCertificate, "subjectaltname">,
): Error | undefined {
  const want = ip.includes(":") ? expandIpv6(ip) : ip;
  const ips = certificateIps(cert);
  if (ips.some((c) => (c.includes(":") ? expandIpv6(c) : c) === want)) return undefined;
  return new Error(`${ip} is not among the certificate's IP addresses (${ips.join(", ") || "none"})`);
}

/**
 * The client key as PKCS#8 PEM: talosconfigs hold Talos' own `ED25519 PRIVATE KEY` label, which
 * TLS libraries do not read.
 */
export function tlsKeyPem(key: string): string {
  return encodePrivateKeyPem(decodePrivateKeyPem(key), "pkcs8");
}

/** gRPC channel credentials for a node: maintenance (no credentials) or mutual TLS. */
export function channelCredentials(opts: {
  node: string;
  credentials?: TalosCredentials;
}): grpc.ChannelCredentials {
  if (!opts.credentials) {
    // talosctl --insecure: an unconfigured node has only a self-made certificate; verify nothing
    return grpc.credentials.createSsl(null, null, null, {
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
  }
  const c = opts.credentials;
  return grpc.credentials.createSsl(Buffer.from(c.ca), Buffer.from(tlsKeyPem(c.key)), Buffer.from(c.crt), {
    checkServerIdentity: (_host, cert) => checkIpIdentity(opts.node, cert),
  });
}

/** Classifies a connection error text (grpc-js "Last error: …", node:tls messages). */
export function classifyConnectError(message: string): TlsRefusal | "unreachable" | "unknown" {
  if (/CertificateRequired|certificate required/i.test(message)) return "certificate-required";
  if (/is not among the certificate's IP addresses/.test(message)) return "name-mismatch";
  if (
    /unable to verify|self[- ]signed|UnknownIssuer|unknown ca|certificate verify failed|unable to get (local )?issuer/i
      .test(message)
  ) return "server-untrusted";
  if (
    /BadCertificate|bad certificate|unknown certificate authority|DecryptError|certificate unknown/i.test(
      message,
    )
  ) {
    return "client-refused";
  }
  if (
    /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|EPIPE|ENOTFOUND|refused|reset/i.test(message)
  ) {
    return "unreachable";
  }
  return "unknown";
}

/** What a raw TLS probe of apid found. */
export type ProbeOutcome =
  /** Handshake done and the HTTP/2 server spoke: the node accepts us. */
  | { kind: "open" }
  /** Handshake done, then closed without a byte: the node refused our client certificate. */
  | { kind: "closed" }
  | { kind: "refused"; refusal: TlsRefusal; message: string }
  | { kind: "unreachable"; message: string };

const H2_PREFACE = Buffer.concat([
  Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
  Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), // empty SETTINGS frame
]);

/**
 * Opens one TLS connection the way the gRPC channel would and sends the HTTP/2 preface, to tell
 * apart what grpc-js reports only as "failed to connect": a server that closes right after the
 * handshake has refused our client certificate (TLS 1.3 servers check it after the client considers
 * the handshake done).
 */
export function probeTls(opts: {
  node: string;
  address: string;
  port: number;
  credentials?: TalosCredentials;
  clock: Clock;
  /** Give up after this many virtual ms (default 10 s). */
  timeoutMs?: number;
}): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const c = opts.credentials;
    const stop = new AbortController();
    let settled = false;
    let secure = false;
    const done = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      stop.abort();
      socket.destroy();
      resolve(outcome);
    };
    const socket = tls.connect({
      host: opts.address,
      port: opts.port,
      servername: TALOS_SNI,
      ALPNProtocols: ["h2"],
      ...(c
        ? {
          ca: c.ca,
          cert: c.crt,
          key: c.key,
          checkServerIdentity: (_h, cert) => checkIpIdentity(opts.node, cert),
        }
        : { rejectUnauthorized: false, checkServerIdentity: () => undefined }),
    });
    socket.on("secureConnect", () => {
      secure = true;
      socket.write(H2_PREFACE);
    });
    socket.on("data", () => done({ kind: "open" }));
    socket.on(
      "close",
      () => done(secure ? { kind: "closed" } : { kind: "unreachable", message: "connection closed" }),
    );
    socket.on("error", (err: Error) => {
      const kind = classifyConnectError(err.message);
      if (kind === "unreachable" || kind === "unknown") {
        done(secure ? { kind: "closed" } : { kind: "unreachable", message: err.message });
      } else done({ kind: "refused", refusal: kind, message: err.message });
    });
    opts.clock.sleep(opts.timeoutMs ?? 10_000, stop.signal).then(
      () => done({ kind: "unreachable", message: "no answer to the TLS probe" }),
      () => {},
    );
  });
}
