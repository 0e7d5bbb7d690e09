/**
 * The HTTPS front of the lab's Kubernetes API (on the VIP, port 6443): a serving certificate from
 * the cluster's Kubernetes CA, client-certificate authentication against that CA (Talos runs
 * kube-apiserver with `--anonymous-auth=false`, so a request without a valid certificate gets 401
 * `Unauthorized`), and a chain of route handlers. This module answers `/version`, `/healthz`,
 * `/readyz` and `/livez`; the Kubernetes emulator adds its handlers in front of these.
 *
 * The transport (TLS, auth, trace) and the routing are separate: pass `handlers` to serve more.
 *
 * @example
 * ```ts
 * const api = await startKubeApi({
 *   address: "127.0.3.10", port: 6443, caCertPem, caKeyPem, ips: ["10.0.3.10", "127.0.3.10"],
 *   version: kubeVersionInfo("v1.33.4"), clock, trace,
 * });
 * await api.close();
 * ```
 */
import * as https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Clock } from "../../lib/clock/clock.ts";
import { encodePrivateKeyPem, issueServerCertificate } from "../../lib/pki/mod.ts";
import { decodePrivateKeyPem } from "../../lib/pki/keys.ts";
import type { Faults } from "../faults.ts";
import type { Trace } from "../trace.ts";

/** Who is asking: CN is the user, O the groups (client certificate). */
export interface KubeUser {
  name: string;
  groups: string[];
}

/** What a route handler gets. Return true when it answered. */
export interface KubeRequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  user: KubeUser;
}
export type KubeHandler = (ctx: KubeRequestContext) => boolean | Promise<boolean>;

/** `/version`'s body (k8s.io/apimachinery/pkg/version.Info). */
export interface KubeVersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** version.Info for a Kubernetes release ("v1.33.4"). */
export function kubeVersionInfo(gitVersion: string): KubeVersionInfo {
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion);
  return {
    major: m?.[1] ?? "1",
    minor: m?.[2] ?? "0",
    gitVersion,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2025-08-12T00:00:00Z",
    goVersion: "go1.24.5",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

/** A `Status` object as the API server sends it for errors. */
export function statusBody(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    "Content-Type": "application/json",
    "Content-Length": new TextEncoder().encode(text).length,
  });
  res.end(text);
}

function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
  res.end(text);
}

/** The routes every API server has: /version, /healthz, /readyz, /livez. */
export function coreRoutes(version: KubeVersionInfo): KubeHandler {
  return ({ req, res, url }) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    if (url.pathname === "/version" || url.pathname === "/version/") {
      sendJson(res, 200, version);
      return true;
    }
    if (["/healthz", "/readyz", "/livez"].includes(url.pathname)) {
      if (url.searchParams.has("verbose")) {
        sendText(res, 200, `[+]ping ok\n[+]etcd ok\n${url.pathname.slice(1)} check passed\n`);
      } else sendText(res, 200, "ok");
      return true;
    }
    return false;
  };
}

export interface KubeApiOptions {
  address: string;
  port: number;
  /** The cluster CA (`cluster.ca`): signs the serving certificate and the accepted client certificates. */
  caCertPem: string;
  caKeyPem: string;
  /** IP and DNS SANs of the serving certificate. */
  ips: string[];
  dnsNames?: string[];
  version: KubeVersionInfo;
  /** Tried in order before the core routes. */
  handlers?: KubeHandler[];
  clock: Clock;
  trace?: Trace;
  faults?: Faults;
}

export interface KubeApi {
  url: string;
  /** The serving certificate (PEM). */
  certificate: string;
  close(): Promise<void>;
}

function userOf(socket: TLSSocket): KubeUser | undefined {
  if (!socket.authorized) return undefined;
  const subject = socket.getPeerCertificate()?.subject;
  if (!subject?.CN) return undefined;
  const o = subject.O;
  const cn = Array.isArray(subject.CN) ? subject.CN[0] : subject.CN;
  return { name: cn, groups: [...(o ? (Array.isArray(o) ? o : [o]) : []), "system:authenticated"] };
}

/** Starts the HTTPS API front. */
export async function startKubeApi(opts: KubeApiOptions): Promise<KubeApi> {
  const ca = { certificate: opts.caCertPem, privateKey: decodePrivateKeyPem(opts.caKeyPem) };
  const serving = await issueServerCertificate({
    ca,
    commonName: "kube-apiserver",
    ipAddresses: [...new Set(opts.ips)],
    dnsNames: [...new Set(opts.dnsNames ?? [])],
    // TLS peers check validity against the wall clock, not the lab's virtual one
    notBefore: new Date(Date.now() - 60_000),
  });
  const routes = [...(opts.handlers ?? []), coreRoutes(opts.version)];
  const sockets = new Set<Socket>();
  const server = https.createServer({
    key: encodePrivateKeyPem(serving.privateKey),
    cert: serving.certificate,
    ca: opts.caCertPem,
    requestCert: true,
    rejectUnauthorized: false, // answered with 401, as kube-apiserver does
  }, async (req, res) => {
    const url = new URL(req.url ?? "/", `https://${opts.address}:${opts.port}`);
    const record = (status: number) =>
      opts.trace?.record({
        system: "kube",
        method: req.method ?? "GET",
        path: url.pathname,
        params: Object.fromEntries(url.searchParams),
        status,
        at: opts.clock.now(),
        host: opts.address,
      });
    const fault = opts.faults?.next() ?? { kind: "none" };
    if (fault.kind === "drop") {
      record(0);
      return void req.socket.destroy();
    }
    if (fault.kind === "spike") await opts.clock.sleep(fault.ms).catch(() => {});
    if (fault.kind === "error") {
      record(503);
      return sendJson(
        res,
        503,
        statusBody(503, "ServiceUnavailable", "the server is currently unable to handle the request"),
      );
    }
    const user = userOf(req.socket as TLSSocket);
    if (!user) {
      record(401);
      return sendJson(res, 401, statusBody(401, "Unauthorized", "Unauthorized"));
    }
    try {
      for (const route of routes) {
        if (await route({ req, res, url, user })) {
          record(res.statusCode);
          return;
        }
      }
      record(404);
      sendJson(res, 404, statusBody(404, "NotFound", "the server could not find the requested resource"));
    } catch (err) {
      record(500);
      if (!res.headersSent) sendJson(res, 500, statusBody(500, "InternalError", (err as Error).message));
      else res.destroy();
    }
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.address, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://${opts.address}:${port}`,
    certificate: serving.certificate,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
