/**
 * TLS in front of the lab's gRPC server. grpc-js' own TLS server does not work under Deno, so the
 * emulator runs one plaintext HTTP/2 gRPC server on an ephemeral 127.0.0.1 port and puts a
 * `node:tls` listener on each emulated address (a node's apid, the VIP) that pipes every TLS
 * connection into it. The front remembers each piped connection by the local port of its inner
 * leg, so a gRPC handler can find out which listener, node and client certificate a call came
 * through (`call.getPeer()` is that inner leg's address), and the emulator can reset connections
 * the way a rebooting node does.
 *
 * @example
 * ```ts
 * const conns = new ConnectionTable();
 * const front = await startTlsFront({ address: "127.0.1.11", port: 50000, innerPort, key, cert, conns, tag: node });
 * conns.byPeer(call.getPeer())?.tag; // node
 * front.resetConnections(); await front.close();
 * ```
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { goawayFilters } from "./goaway.ts";

/** One client connection through a front. */
export interface FrontConnection<T> {
  tag: T;
  socket: tls.TLSSocket;
  /** Subject organizations of the verified client certificate (Talos roles); empty without one. */
  organizations: string[];
  /** True when the client presented a certificate that chains to the front's CA. */
  authorized: boolean;
  /**
   * Resolves once what the inner server wrote since the call has gone out to the client: some
   * bytes came back from the inner server and nothing more for a full I/O turn.
   */
  quiet(): Promise<void>;
}

/** Every live connection of every front, by the inner leg's local port. */
export class ConnectionTable<T> {
  readonly #byPort = new Map<number, FrontConnection<T>>();
  add(port: number, conn: FrontConnection<T>): void {
    this.#byPort.set(port, conn);
  }
  remove(port: number): void {
    this.#byPort.delete(port);
  }
  /** The connection behind a gRPC peer string ("127.0.0.1:53412" or "ipv4:127.0.0.1:53412"). */
  byPeer(peer: string): FrontConnection<T> | undefined {
    const port = Number(/:(\d+)$/.exec(peer)?.[1]);
    return this.#byPort.get(port);
  }
}

export interface TlsFrontOptions<T> {
  address: string;
  port: number;
  /** The inner plaintext gRPC server's port on 127.0.0.1. */
  innerPort: number;
  key: string;
  cert: string;
  /** Require client certificates signed by this CA (mutual TLS); without it, none are asked for. */
  clientCa?: string;
  tag: T;
  conns: ConnectionTable<T>;
}

export interface TlsFront {
  address: string;
  port: number;
  /** Drops every open connection at once (a reboot: clients see a reset). */
  resetConnections(): void;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

function organizationsOf(socket: tls.TLSSocket): string[] {
  const o = socket.getPeerCertificate()?.subject?.O;
  if (!o) return [];
  return Array.isArray(o) ? o : [o];
}

/** Starts a TLS listener that pipes into the inner gRPC server. */
export async function startTlsFront<T>(opts: TlsFrontOptions<T>): Promise<TlsFront> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  };
  const server = tls.createServer({
    key: opts.key,
    cert: opts.cert,
    ALPNProtocols: ["h2"],
    ...(opts.clientCa
      ? { ca: opts.clientCa, requestCert: true, rejectUnauthorized: true }
      : { requestCert: false }),
  }, (socket) => {
    track(socket);
    const inner = net.connect(opts.innerPort, "127.0.0.1");
    track(inner);
    let port = 0;
    let received = 0;
    inner.on("data", () => received++);
    const quiet = async () => {
      const start = received;
      let seen = -1;
      // bounded: an answer through a loopback pipe takes a few I/O turns
      for (let turn = 0; turn < 200; turn++) {
        await new Promise((r) => setImmediate(r));
        if (received > start && received === seen && socket.writableLength === 0) return;
        seen = received;
      }
    };
    inner.on("connect", () => {
      port = inner.localPort ?? 0;
      opts.conns.add(port, {
        tag: opts.tag,
        socket,
        organizations: opts.clientCa ? organizationsOf(socket) : [],
        authorized: socket.authorized,
        quiet,
      });
      // pipe only once the connection is registered, so the first call finds it; without GOAWAY
      // frames, which can crash Deno's HTTP/2 (goaway.ts)
      const filters = goawayFilters();
      socket.pipe(filters.toServer).pipe(inner);
      inner.pipe(filters.toClient).pipe(socket);
    });
    const drop = () => {
      if (port) opts.conns.remove(port);
      socket.destroy();
      inner.destroy();
    };
    socket.on("error", drop);
    inner.on("error", drop);
    socket.on("close", drop);
    inner.on("close", drop);
  });
  // a refused handshake (wrong client CA, no client certificate) is the client's problem, not ours
  server.on("tlsClientError", () => {});
  server.on("connection", track);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.address, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const resetConnections = () => {
    for (const s of [...sockets]) s.destroy();
  };
  return {
    address: opts.address,
    port: (server.address() as net.AddressInfo).port,
    resetConnections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        resetConnections();
      }),
  };
}
