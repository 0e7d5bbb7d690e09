/**
 * HTTPS to a Proxmox API with one of three trust settings: a CA (the PVE root CA from layer 00,
 * or one the user configures) via Deno's HTTP client with that CA as the only anchor; a pinned
 * SHA-256 certificate fingerprint (checked before a single byte of the request, token included,
 * is sent); or no verification at all (`insecure`, which the caller warns about).
 *
 * @example
 * ```ts
 * const t = createTransport({ caPem });
 * const res = await t.send("https://10.0.0.10:8006/api2/json/version", { method: "GET", headers: {} });
 * t.close();
 * ```
 */
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import { isIP } from "node:net";
import { ProxmoxTlsError } from "./errors.ts";

export type TrustSettings = { caPem: string } | { fingerprint: string } | { insecure: true };

export interface TransportResponse {
  status: number;
  /** The HTTP reason phrase where the transport exposes it (PVE puts its message there). */
  statusText: string;
  body: string;
}

export interface Transport {
  send(
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string },
  ): Promise<TransportResponse>;
  close(): void;
}

/** "AB:CD:…" / "abcd…" / "sha256:AB…" → upper-case hex without separators. */
export function normalizeFingerprint(text: string): string {
  return text.replace(/^sha256[:/]?/i, "").replace(/[:\s]/g, "").toUpperCase();
}

export function createTransport(trust: TrustSettings): Transport {
  if ("caPem" in trust) return fetchTransport(trust.caPem);
  return nodeTransport("fingerprint" in trust ? normalizeFingerprint(trust.fingerprint) : undefined);
}

/** The only trust anchor is `caPem`; a certificate from anyone else fails the handshake. */
function fetchTransport(caPem: string): Transport {
  const client = Deno.createHttpClient({ caCerts: [caPem] });
  return {
    async send(url, init) {
      let res: Response;
      try {
        res = await fetch(url, { ...init, client });
      } catch (err) {
        // Deno reports TLS failures as TypeError("fetch failed") with the reason in `cause`
        const detail = `${err} ${(err as Error)?.cause ?? ""}`;
        if (/certificate|UnknownIssuer|invalid peer|NotValidForName|BadSignature|CertExpired/i.test(detail)) {
          const reason = /invalid peer certificate: \w+|certificate[^)]*/i.exec(detail)?.[0] ?? detail;
          throw new ProxmoxTlsError(
            `TLS verification of ${new URL(url).origin} failed: ${reason}`,
            "the API's certificate is not signed by the configured CA: check that the host is the one you " +
              "mean and that layer 00 read its /etc/pve/pve-root-ca.pem (re-run layer 00), or configure its CA",
          );
        }
        throw err;
      }
      return { status: res.status, statusText: res.statusText, body: await res.text() };
    },
    close: () => client.close(),
  };
}

/** node:https on a TLS socket checked first: the pinned fingerprint, or nothing when insecure. */
function nodeTransport(fingerprint: string | undefined): Transport {
  return {
    async send(url, init) {
      const u = new URL(url);
      const host = u.hostname.replace(/^\[|\]$/g, "");
      const port = Number(u.port || 443);
      const socket = tls.connect({
        host,
        port,
        ...(isIP(host) ? {} : { servername: host }),
        rejectUnauthorized: false,
      });
      await new Promise<void>((resolve, reject) => {
        socket.once("secureConnect", () => resolve());
        socket.once("error", reject);
      });
      if (fingerprint) {
        const seen = normalizeFingerprint(socket.getPeerCertificate()?.fingerprint256 ?? "");
        if (seen !== fingerprint) {
          socket.destroy();
          throw new ProxmoxTlsError(
            `the API certificate of ${u.origin} has SHA-256 fingerprint ${
              seen.replace(/(..)(?!$)/g, "$1:")
            }, ` +
              `not the pinned one`,
            "check that the host is the one you mean; if its certificate was renewed, update the pinned fingerprint",
          );
        }
      }
      return await new Promise<TransportResponse>((resolve, reject) => {
        const req = https.request({
          host,
          port,
          method: init.method,
          path: u.pathname + u.search,
          headers: {
            ...init.headers,
            ...(init.body ? { "content-length": String(new TextEncoder().encode(init.body).length) } : {}),
          },
          createConnection: () => socket,
          agent: false,
          // the socket's certificate was checked above (pinned fingerprint) or deliberately not (insecure)
          rejectUnauthorized: false,
        }, (res: http.IncomingMessage) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => text += c);
          res.on("end", () => {
            socket.destroy();
            resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", body: text });
          });
          res.on("error", reject);
        });
        req.on("error", (err) => {
          socket.destroy();
          reject(err);
        });
        req.end(init.body);
      });
    },
    close() {},
  };
}
