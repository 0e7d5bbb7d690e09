/**
 * The Talos machine API (apid, port 50000) without talosctl: a gRPC client on our own protobuf
 * codec, the message definitions strata uses, error mapping, and clock-driven waits.
 *
 * @example
 * ```ts
 * import { TalosClient } from "./mod.ts";
 * const node = new TalosClient({ node: "10.0.1.11", credentials: { ca, crt, key } });
 * await node.bootstrap();
 * node.close();
 * ```
 */
export { type ApplyResult, TalosClient, type TalosClientOptions } from "./client.ts";
export {
  GrpcStatus,
  grpcStatusName,
  TalosApiError,
  talosCallError,
  type TalosCallInfo,
  TalosTlsError,
  TalosUnavailableError,
  type TlsRefusal,
} from "./errors.ts";
export { ApplyMode, applyModeName, MachineService } from "./messages.ts";
export type { EtcdMember, ServiceInfo, Version } from "./messages.ts";
export { checkIpIdentity, TALOS_API_PORT, type TalosCredentials } from "./transport.ts";
export { isPending, type Pending, waitFor, type WaitOptions, WaitTimeoutError } from "./wait.ts";
export { decodeMessage, encodeMessage, type MessageSpec } from "./codec.ts";
