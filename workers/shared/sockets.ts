/**
 * Stand-in for the runtime module `cloudflare:sockets`. The bundler (`workers/build.ts`) replaces every
 * import of this file with the real `cloudflare:sockets`, so inside workerd `connect` opens real TCP
 * sockets; this file exists so that `deno check` and unit tests can type-check code that uses it.
 *
 * @example
 * ```ts
 * import { connect } from "./sockets.ts";
 * // inside a Worker: const socket = connect({ hostname: "db.example.com", port: 5432 }); await socket.opened;
 * ```
 */
export interface SocketAddress {
  hostname: string;
  port: number;
}

/** An open TCP socket (subset of the Workers `Socket`). */
export interface Socket {
  readonly opened: Promise<unknown>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/** Opens a TCP connection; only available inside the Workers runtime. */
export function connect(
  _address: SocketAddress,
  _options?: { secureTransport?: "off" | "on" },
): Socket {
  throw new Error(
    "cloudflare:sockets is only available inside the Workers runtime (bundle with workers/build.ts)",
  );
}
