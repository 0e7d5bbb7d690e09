/**
 * What can go wrong talking to a Talos node, as strata errors: retryable trouble (the node is
 * down, rebooting, or not ready yet) is a {@link TalosUnavailableError} (a `TransientError`);
 * what the node refused for good (an invalid config, a missing role) is a {@link TalosApiError};
 * a TLS trust problem is a {@link TalosTlsError} that says which side refused whom.
 *
 * @example
 * ```ts
 * try { await client.bootstrap(); } catch (err) {
 *   if (err instanceof TalosApiError && err.code === GrpcStatus.INVALID_ARGUMENT) console.error(err.grpcMessage);
 * }
 * ```
 */
import { StrataError, TransientError } from "../../errors.ts";
import type { RpcStatus } from "./messages.ts";

/** gRPC status codes (grpc/grpc `doc/statuscodes.md`). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** "InvalidArgument" for 3, as Go's `codes.Code.String()` prints it. */
export function grpcStatusName(code: number): string {
  const name = Object.entries(GrpcStatus).find(([, v]) => v === code)?.[0];
  if (!name) return `Code(${code})`;
  if (name === "OK") return "OK";
  return name.toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** Where a failed call went and what came back. */
export interface TalosCallInfo {
  /** How the node is named in messages: "cp-1 (10.0.1.11)". */
  node: string;
  /** "ApplyConfiguration". */
  method: string;
  code: number;
  /** The status message as the node sent it (Talos' error text). */
  grpcMessage: string;
  /** `grpc-status-details-bin`, when the node sent one. */
  status?: RpcStatus;
}

function describe(info: TalosCallInfo): string {
  return `talos ${info.node}: ${info.method}: ${grpcStatusName(info.code)}: ${info.grpcMessage}`;
}

/** A call the node refused for good (the engine does not retry it). */
export class TalosApiError extends StrataError implements TalosCallInfo {
  readonly node: string;
  readonly method: string;
  readonly code: number;
  readonly grpcMessage: string;
  readonly status?: RpcStatus;
  constructor(info: TalosCallInfo, remedy?: string) {
    super(describe(info), undefined, remedy);
    this.node = info.node;
    this.method = info.method;
    this.code = info.code;
    this.grpcMessage = info.grpcMessage;
    this.status = info.status;
  }
}

/** The node is not reachable or not ready yet; retrying later may succeed. */
export class TalosUnavailableError extends TransientError implements TalosCallInfo {
  readonly node: string;
  readonly method: string;
  readonly code: number;
  readonly grpcMessage: string;
  readonly status?: RpcStatus;
  constructor(info: TalosCallInfo, remedy?: string) {
    super(describe(info), { remedy });
    this.node = info.node;
    this.method = info.method;
    this.code = info.code;
    this.grpcMessage = info.grpcMessage;
    this.status = info.status;
  }
}

/**
 * Who refused whom in the TLS handshake:
 * - `server-untrusted`: the node's certificate is not signed by the CA we trust (in configured mode:
 *   the node is still in maintenance mode, or belongs to another cluster);
 * - `name-mismatch`: signed by our CA but not for this node's IP;
 * - `certificate-required`: the node wants a client certificate (it is configured; we came without one);
 * - `client-refused`: the node does not accept our client certificate (configured with another CA).
 */
export type TlsRefusal = "server-untrusted" | "name-mismatch" | "certificate-required" | "client-refused";

/** A TLS trust failure; permanent unless the caller knows the node is changing mode. */
export class TalosTlsError extends StrataError {
  constructor(readonly node: string, readonly kind: TlsRefusal, detail: string, remedy?: string) {
    super(`talos ${node}: TLS: ${tlsSummary(kind)} (${detail})`, undefined, remedy ?? tlsRemedy(kind));
  }
}

function tlsSummary(kind: TlsRefusal): string {
  switch (kind) {
    case "server-untrusted":
      return "the node's certificate is not signed by this cluster's Talos CA";
    case "name-mismatch":
      return "the node's certificate is not valid for its IP address";
    case "certificate-required":
      return "the node requires a client certificate (it is already configured)";
    case "client-refused":
      return "the node refused the talosconfig client certificate";
  }
}

function tlsRemedy(kind: TlsRefusal): string {
  switch (kind) {
    case "server-untrusted":
      return "if the node is new, it may still be in maintenance mode; otherwise it belongs to another " +
        "cluster (reset it with `talosctl reset`) or nodes[].ip points at the wrong machine";
    case "name-mismatch":
      return "check nodes[].ip: the machine answering there is configured for another address";
    case "certificate-required":
      return "the node is configured already; strata talks to it with the talosconfig client certificate";
    case "client-refused":
      return "the node is configured with another Talos CA (another cluster's secrets bundle); reset it " +
        "(`talosctl reset`) or fix nodes[].ip";
  }
}

/**
 * grpc-js reports a connection that broke mid-call (the peer reset the stream, a write hit a closed
 * socket) as INTERNAL with its own text; Talos' own INTERNAL answers carry the node's error instead.
 */
const BROKEN_TRANSPORT =
  /Received RST_STREAM|\b(EPIPE|ECONNRESET|ECONNABORTED)\b|Connection dropped|Stream refused/;

/**
 * Maps a gRPC status from a node to the error strata raises. UNAVAILABLE, DEADLINE_EXCEEDED,
 * RESOURCE_EXHAUSTED and ABORTED are transient, and so is INTERNAL from a broken connection;
 * everything else is permanent, with a remedy where strata knows one.
 */
export function talosCallError(info: TalosCallInfo): TalosApiError | TalosUnavailableError {
  if (info.code === GrpcStatus.INTERNAL && BROKEN_TRANSPORT.test(info.grpcMessage)) {
    return new TalosUnavailableError(info);
  }
  switch (info.code) {
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.DEADLINE_EXCEEDED:
    case GrpcStatus.RESOURCE_EXHAUSTED:
    case GrpcStatus.ABORTED:
      return new TalosUnavailableError(info);
    case GrpcStatus.INVALID_ARGUMENT:
      return new TalosApiError(
        info,
        info.method === "ApplyConfiguration"
          ? "the node rejected the machine config; fix the setting or talos.patches entry the message names " +
            "(`deno task render` writes the configs for inspection)"
          : undefined,
      );
    case GrpcStatus.PERMISSION_DENIED:
      return new TalosApiError(
        info,
        "the client certificate lacks the role this call needs (os:admin); regenerate the talosconfig",
      );
    case GrpcStatus.UNAUTHENTICATED:
      return new TalosApiError(info, "the node did not accept the client certificate");
    default:
      return new TalosApiError(info);
  }
}
