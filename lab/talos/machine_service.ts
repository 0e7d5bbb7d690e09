/**
 * The gRPC plumbing of the lab's Talos nodes: `machine.MachineService` as a grpc-js service
 * definition built from our message descriptors, gRPC status errors as Talos returns them, the
 * per-method role rules of machined (`internal/app/machined/pkg/system/services/machined.go`), and
 * the Talos roles a client certificate carries.
 *
 * @example
 * ```ts
 * server.addService(machineServiceDefinition(), handlers);
 * throw grpcError(GrpcStatus.INVALID_ARGUMENT, message);
 * ```
 */
import type * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { decodeMessage, encodeMessage } from "../../lib/talos/api/codec.ts";
import { GrpcStatus } from "../../lib/talos/api/errors.ts";
import { MachineService, type MethodSpec } from "../../lib/talos/api/messages.ts";

/** A gRPC status error a handler throws. */
export class GrpcError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export function grpcError(code: number, message: string): GrpcError {
  return new GrpcError(code, message);
}

/** authz.ErrNotAuthorized. */
export const NOT_AUTHORIZED = () => grpcError(GrpcStatus.PERMISSION_DENIED, "not authorized");

/** The Talos roles (pkg/machinery/role). */
export const ROLES = ["os:admin", "os:operator", "os:reader", "os:etcd:backup", "os:impersonator"] as const;

/** Which roles may call each method (machined's rules for the methods the lab serves). */
export const METHOD_ROLES: Record<string, readonly string[]> = {
  // Reader for maintenance mode only; the handler checks Admin once the node is configured
  ApplyConfiguration: ["os:admin", "os:reader"],
  Bootstrap: ["os:admin"],
  EtcdMemberList: ["os:admin", "os:operator", "os:reader", "os:etcd:backup"],
  Kubeconfig: ["os:admin"],
  Read: ["os:admin"],
  ServiceList: ["os:admin", "os:operator", "os:reader"],
  Version: ["os:admin", "os:operator", "os:reader"],
};

/** The roles in a client certificate's organizations; Admin implies every other role. */
export function rolesOf(organizations: readonly string[]): Set<string> {
  const roles = new Set(organizations.filter((o) => (ROLES as readonly string[]).includes(o)));
  if (roles.has("os:admin")) { for (const r of ROLES) roles.add(r); }
  return roles;
}

/** A grpc-js service definition for the methods of `MachineService` strata uses. */
export function machineServiceDefinition(): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const m of Object.values(MachineService) as MethodSpec<unknown, unknown>[]) {
    def[m.name] = {
      path: m.path,
      requestStream: false,
      responseStream: m.serverStream,
      requestSerialize: (v: unknown) => Buffer.from(encodeMessage(m.request, v as Record<string, unknown>)),
      requestDeserialize: (b: Buffer) => decodeMessage(m.request, new Uint8Array(b)),
      responseSerialize: (v: unknown) => Buffer.from(encodeMessage(m.response, v as Record<string, unknown>)),
      responseDeserialize: (b: Buffer) => decodeMessage(m.response, new Uint8Array(b)),
    };
  }
  return def as grpc.ServiceDefinition;
}
