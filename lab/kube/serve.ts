/**
 * HTTPS for the Kubernetes API emulator: a `node:https` server (the one TLS server shape that works
 * under Deno with client certificates) that authenticates each request the way kube-apiserver's
 * x509 authenticator does — a certificate signed by the cluster CA makes the user CN with the
 * groups O (plus system:authenticated); a certificate from another CA, or none (Talos runs
 * kube-apiserver with anonymous auth off), is 401 Unauthorized — and hands it to a web-standard
 * handler, streaming responses (watches) chunk by chunk.
 *
 * @example
 * ```ts
 * const srv = await serveKubeApi({ address: "127.0.3.10", port: 6443, ca, serverCert, serverKey, handle: api.handle.bind(api) });
 * await srv.close();
 * ```
 */
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { Buffer } from "node:buffer";
import { DropConnection } from "./api.ts";
import { ApiError } from "./status.ts";
import type { UserInfo } from "./types.ts";

export interface KubeServeOptions {
  address: string;
  /** 6443 in the lab; 0 picks a free port (tests). */
  port: number;
  /** The cluster CA (PEM): client certificates must chain to it. */
  caCertPem: string;
  /** The API server's certificate and key (PEM). */
  serverCertPem: string;
  serverKeyPem: string;
  handle(req: Request, user: UserInfo): Promise<Response>;
}

export interface KubeServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The user a verified client certificate names (CN = user, O = groups). */
export function userFromCertificate(subject: Record<string, string | string[]> | undefined): UserInfo {
  const cn = subject?.CN;
  const o = subject?.O;
  const name = Array.isArray(cn) ? cn[0] : cn ?? "";
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { name, groups: [...groups, "system:authenticated"] };
}

export async function serveKubeApi(opts: KubeServeOptions): Promise<KubeServer> {
  const sockets = new Set<Socket>();
  const server = https.createServer({
    key: opts.serverKeyPem,
    cert: opts.serverCertPem,
    ca: opts.caCertPem,
    requestCert: true,
    rejectUnauthorized: false,
  }, (req, res) => {
    void serveOne(req, res, opts).catch((err) => {
      if (!(err instanceof DropConnection)) console.error("kube emulator:", err);
      req.socket.destroy();
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("secureConnection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.address, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://${opts.address}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

async function serveOne(req: IncomingMessage, res: ServerResponse, opts: KubeServeOptions): Promise<void> {
  // deno-lint-ignore no-explicit-any
  const socket = req.socket as any;
  let user: UserInfo;
  const peer = socket.getPeerCertificate?.();
  const presented = peer && Object.keys(peer).length > 0;
  if (socket.authorized) user = userFromCertificate(peer.subject);
  else if (presented) {
    await write(
      res,
      new Response(JSON.stringify(ApiError.unauthorized().status()) + "\n", {
        status: 401,
        headers: { "content-type": "application/json", "cache-control": "no-cache, private" },
      }),
    );
    return;
  } else user = { name: "system:anonymous", groups: ["system:unauthenticated"] };

  const request = await toRequest(req, `https://${req.headers.host ?? "localhost"}`);
  const response = await opts.handle(request, user);
  await write(res, response, req.method === "HEAD");
}

/** Writes a web Response to a node response, streaming its body. */
export async function writeResponse(
  res: ServerResponse,
  response: Response,
  headOnly = false,
): Promise<void> {
  await write(res, response, headOnly);
}

/** A web Request from a node request (the body read in full). */
export async function toRequest(req: IncomingMessage, base: string): Promise<Request> {
  const chunks: Buffer[] = [];
  if (req.method !== "GET" && req.method !== "HEAD") {
    for await (const c of req) chunks.push(c as Buffer);
  }
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) headers.append(k, x);
  }
  return new Request(new URL(req.url ?? "/", base).toString(), {
    method: req.method,
    headers,
    body: chunks.length ? Buffer.concat(chunks) : undefined,
  });
}

async function write(res: ServerResponse, response: Response, headOnly = false): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((v, k) => {
    if (k === "transfer-encoding") return;
    if (k === "warning") {
      headers[k] = response.headers.get("warning")!.split(/,\s*(?=299 )/);
      return;
    }
    headers[k] = v;
  });
  res.writeHead(response.status, headers);
  if (!response.body || headOnly) {
    res.end();
    return;
  }
  // node holds headers back until the first body write; a watch may have no event for minutes, and
  // clients (client-go, curl) wait for the headers as the real apiserver sends them at once
  res.flushHeaders();
  const reader = response.body.getReader();
  const onClose = () => reader.cancel().catch(() => {});
  res.on("close", onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) break;
      res.write(value);
    }
  } catch {
    // the client went away mid-stream
  } finally {
    res.off("close", onClose);
    if (!res.destroyed) res.end();
  }
}
