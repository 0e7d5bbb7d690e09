/**
 * The Talos machine API messages strata uses, with the names and field numbers of the public
 * definitions (siderolabs/talos `api/machine/machine.proto`, `api/common/common.proto`, and the
 * well-known `google/rpc/status.proto`, `google/protobuf/{any,timestamp,duration,empty}.proto`),
 * and the RPC methods of `machine.MachineService` built on them.
 *
 * @example
 * ```ts
 * const bytes = encodeMessage(ApplyConfigurationRequest, { data: yamlBytes, mode: ApplyMode.AUTO });
 * const reply = decodeMessage(ApplyConfigurationResponse, answer);
 * reply.messages[0].modeDetails; // "Applied configuration without a reboot"
 * ```
 */
import type { MessageSpec } from "./codec.ts";

// ---- google.protobuf / google.rpc -------------------------------------------------------------

export interface Any {
  typeUrl: string;
  value: Uint8Array;
}
export const Any: MessageSpec<Any> = {
  name: "google.protobuf.Any",
  fields: { typeUrl: { no: 1, type: "string" }, value: { no: 2, type: "bytes" } },
};

/** `google.rpc.Status`: what `grpc-status-details-bin` and `common.Metadata.status` carry. */
export interface RpcStatus {
  code: number;
  message: string;
  details: Any[];
}
export const RpcStatus: MessageSpec<RpcStatus> = {
  name: "google.rpc.Status",
  fields: {
    code: { no: 1, type: "int32" },
    message: { no: 2, type: "string" },
    details: { no: 3, type: Any, repeated: true },
  },
};

export interface Timestamp {
  seconds: bigint;
  nanos: number;
}
export const Timestamp: MessageSpec<Timestamp> = {
  name: "google.protobuf.Timestamp",
  fields: { seconds: { no: 1, type: "int64" }, nanos: { no: 2, type: "int32" } },
};

export interface Duration {
  seconds: bigint;
  nanos: number;
}
export const Duration: MessageSpec<Duration> = {
  name: "google.protobuf.Duration",
  fields: { seconds: { no: 1, type: "int64" }, nanos: { no: 2, type: "int32" } },
};

export type Empty = Record<never, never>;
export const Empty: MessageSpec<Empty> = { name: "google.protobuf.Empty", fields: {} };

/** Epoch milliseconds as a Timestamp. */
export function timestampOf(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** A Timestamp as epoch milliseconds. */
export function msOf(ts: Timestamp): number {
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
}

// ---- common -------------------------------------------------------------------------------------

/** `common.Metadata`: set by apid when it proxies to a node; `error`/`status` when that node failed. */
export interface Metadata {
  hostname: string;
  error: string;
  status: RpcStatus | undefined;
}
export const Metadata: MessageSpec<Metadata> = {
  name: "common.Metadata",
  fields: {
    hostname: { no: 1, type: "string" },
    error: { no: 2, type: "string" },
    status: { no: 3, type: RpcStatus },
  },
};

/** `common.Data`: one chunk of a byte stream (Kubeconfig, Read, Copy). */
export interface Data {
  metadata: Metadata | undefined;
  bytes: Uint8Array;
}
export const Data: MessageSpec<Data> = {
  name: "common.Data",
  fields: { metadata: { no: 1, type: Metadata }, bytes: { no: 2, type: "bytes" } },
};

/** `common.Code`. */
export const CommonCode = { FATAL: 0, LOCKED: 1, CANCELED: 2 } as const;

/** `common.Error`. */
export interface CommonError {
  code: number;
  message: string;
  details: Any[];
}
export const CommonError: MessageSpec<CommonError> = {
  name: "common.Error",
  fields: {
    code: { no: 1, type: "enum" },
    message: { no: 2, type: "string" },
    details: { no: 3, type: Any, repeated: true },
  },
};

// ---- machine: ApplyConfiguration ------------------------------------------------------------------

/** `machine.ApplyConfigurationRequest.Mode`. */
export const ApplyMode = { REBOOT: 0, AUTO: 1, NO_REBOOT: 2, STAGED: 3, TRY: 4 } as const;
export type ApplyMode = (typeof ApplyMode)[keyof typeof ApplyMode];

/** The enum value's name, as Go's `Mode.String()` prints it. */
export function applyModeName(mode: number): string {
  return Object.entries(ApplyMode).find(([, v]) => v === mode)?.[0] ?? String(mode);
}

export interface ApplyConfigurationRequest {
  data: Uint8Array;
  mode: number;
  dryRun: boolean;
  tryModeTimeout: Duration | undefined;
}
export const ApplyConfigurationRequest: MessageSpec<ApplyConfigurationRequest> = {
  name: "machine.ApplyConfigurationRequest",
  fields: {
    data: { no: 1, type: "bytes" },
    mode: { no: 4, type: "enum" },
    dryRun: { no: 5, type: "bool" },
    tryModeTimeout: { no: 6, type: Duration },
  },
};

export interface ApplyConfiguration {
  metadata: Metadata | undefined;
  warnings: string[];
  mode: number;
  modeDetails: string;
}
export const ApplyConfiguration: MessageSpec<ApplyConfiguration> = {
  name: "machine.ApplyConfiguration",
  fields: {
    metadata: { no: 1, type: Metadata },
    warnings: { no: 2, type: "string", repeated: true },
    mode: { no: 3, type: "enum" },
    modeDetails: { no: 4, type: "string" },
  },
};

export interface ApplyConfigurationResponse {
  messages: ApplyConfiguration[];
}
export const ApplyConfigurationResponse: MessageSpec<ApplyConfigurationResponse> = {
  name: "machine.ApplyConfigurationResponse",
  fields: { messages: { no: 1, type: ApplyConfiguration, repeated: true } },
};

// ---- machine: Bootstrap ---------------------------------------------------------------------------

export interface BootstrapRequest {
  recoverEtcd: boolean;
  recoverSkipHashCheck: boolean;
}
export const BootstrapRequest: MessageSpec<BootstrapRequest> = {
  name: "machine.BootstrapRequest",
  fields: { recoverEtcd: { no: 1, type: "bool" }, recoverSkipHashCheck: { no: 2, type: "bool" } },
};

export interface Bootstrap {
  metadata: Metadata | undefined;
}
export const Bootstrap: MessageSpec<Bootstrap> = {
  name: "machine.Bootstrap",
  fields: { metadata: { no: 1, type: Metadata } },
};

export interface BootstrapResponse {
  messages: Bootstrap[];
}
export const BootstrapResponse: MessageSpec<BootstrapResponse> = {
  name: "machine.BootstrapResponse",
  fields: { messages: { no: 1, type: Bootstrap, repeated: true } },
};

// ---- machine: Version -----------------------------------------------------------------------------

export interface VersionInfo {
  tag: string;
  sha: string;
  built: string;
  goVersion: string;
  os: string;
  arch: string;
}
export const VersionInfo: MessageSpec<VersionInfo> = {
  name: "machine.VersionInfo",
  fields: {
    tag: { no: 1, type: "string" },
    sha: { no: 2, type: "string" },
    built: { no: 3, type: "string" },
    goVersion: { no: 4, type: "string" },
    os: { no: 5, type: "string" },
    arch: { no: 6, type: "string" },
  },
};

export interface PlatformInfo {
  name: string;
  mode: string;
}
export const PlatformInfo: MessageSpec<PlatformInfo> = {
  name: "machine.PlatformInfo",
  fields: { name: { no: 1, type: "string" }, mode: { no: 2, type: "string" } },
};

export interface FeaturesInfo {
  rbac: boolean;
}
export const FeaturesInfo: MessageSpec<FeaturesInfo> = {
  name: "machine.FeaturesInfo",
  fields: { rbac: { no: 1, type: "bool" } },
};

export interface Version {
  metadata: Metadata | undefined;
  version: VersionInfo | undefined;
  platform: PlatformInfo | undefined;
  features: FeaturesInfo | undefined;
}
export const Version: MessageSpec<Version> = {
  name: "machine.Version",
  fields: {
    metadata: { no: 1, type: Metadata },
    version: { no: 2, type: VersionInfo },
    platform: { no: 3, type: PlatformInfo },
    features: { no: 4, type: FeaturesInfo },
  },
};

export interface VersionResponse {
  messages: Version[];
}
export const VersionResponse: MessageSpec<VersionResponse> = {
  name: "machine.VersionResponse",
  fields: { messages: { no: 1, type: Version, repeated: true } },
};

// ---- machine: ServiceList -------------------------------------------------------------------------

export interface ServiceEvent {
  msg: string;
  state: string;
  ts: Timestamp | undefined;
}
export const ServiceEvent: MessageSpec<ServiceEvent> = {
  name: "machine.ServiceEvent",
  fields: {
    msg: { no: 1, type: "string" },
    state: { no: 2, type: "string" },
    ts: { no: 3, type: Timestamp },
  },
};

export interface ServiceEvents {
  events: ServiceEvent[];
}
export const ServiceEvents: MessageSpec<ServiceEvents> = {
  name: "machine.ServiceEvents",
  fields: { events: { no: 1, type: ServiceEvent, repeated: true } },
};

export interface ServiceHealth {
  unknown: boolean;
  healthy: boolean;
  lastMessage: string;
  lastChange: Timestamp | undefined;
}
export const ServiceHealth: MessageSpec<ServiceHealth> = {
  name: "machine.ServiceHealth",
  fields: {
    unknown: { no: 1, type: "bool" },
    healthy: { no: 2, type: "bool" },
    lastMessage: { no: 3, type: "string" },
    lastChange: { no: 4, type: Timestamp },
  },
};

export interface ServiceInfo {
  id: string;
  state: string;
  events: ServiceEvents | undefined;
  health: ServiceHealth | undefined;
}
export const ServiceInfo: MessageSpec<ServiceInfo> = {
  name: "machine.ServiceInfo",
  fields: {
    id: { no: 1, type: "string" },
    state: { no: 2, type: "string" },
    events: { no: 3, type: ServiceEvents },
    health: { no: 4, type: ServiceHealth },
  },
};

export interface ServiceList {
  metadata: Metadata | undefined;
  services: ServiceInfo[];
}
export const ServiceList: MessageSpec<ServiceList> = {
  name: "machine.ServiceList",
  fields: { metadata: { no: 1, type: Metadata }, services: { no: 2, type: ServiceInfo, repeated: true } },
};

export interface ServiceListResponse {
  messages: ServiceList[];
}
export const ServiceListResponse: MessageSpec<ServiceListResponse> = {
  name: "machine.ServiceListResponse",
  fields: { messages: { no: 1, type: ServiceList, repeated: true } },
};

// ---- machine: EtcdMemberList ----------------------------------------------------------------------

export interface EtcdMemberListRequest {
  queryLocal: boolean;
}
export const EtcdMemberListRequest: MessageSpec<EtcdMemberListRequest> = {
  name: "machine.EtcdMemberListRequest",
  fields: { queryLocal: { no: 1, type: "bool" } },
};

export interface EtcdMember {
  /** uint64 member id. */
  id: bigint;
  hostname: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}
export const EtcdMember: MessageSpec<EtcdMember> = {
  name: "machine.EtcdMember",
  fields: {
    id: { no: 2, type: "uint64" },
    hostname: { no: 3, type: "string" },
    peerUrls: { no: 4, type: "string", repeated: true },
    clientUrls: { no: 5, type: "string", repeated: true },
    isLearner: { no: 6, type: "bool" },
  },
};

export interface EtcdMembers {
  metadata: Metadata | undefined;
  legacyMembers: string[];
  members: EtcdMember[];
}
export const EtcdMembers: MessageSpec<EtcdMembers> = {
  name: "machine.EtcdMembers",
  fields: {
    metadata: { no: 1, type: Metadata },
    legacyMembers: { no: 2, type: "string", repeated: true },
    members: { no: 3, type: EtcdMember, repeated: true },
  },
};

export interface EtcdMemberListResponse {
  messages: EtcdMembers[];
}
export const EtcdMemberListResponse: MessageSpec<EtcdMemberListResponse> = {
  name: "machine.EtcdMemberListResponse",
  fields: { messages: { no: 1, type: EtcdMembers, repeated: true } },
};

// ---- machine: Read --------------------------------------------------------------------------------

export interface ReadRequest {
  path: string;
}
export const ReadRequest: MessageSpec<ReadRequest> = {
  name: "machine.ReadRequest",
  fields: { path: { no: 1, type: "string" } },
};

// ---- the service ----------------------------------------------------------------------------------

/** One RPC of `machine.MachineService`: its HTTP/2 path and message types. */
export interface MethodSpec<Req, Res> {
  name: string;
  path: string;
  request: MessageSpec<Req>;
  response: MessageSpec<Res>;
  /** Server-streaming (`returns (stream …)`). */
  serverStream: boolean;
}

function method<Req, Res>(
  name: string,
  request: MessageSpec<Req>,
  response: MessageSpec<Res>,
  serverStream = false,
): MethodSpec<Req, Res> {
  return { name, path: `/machine.MachineService/${name}`, request, response, serverStream };
}

/** The methods strata calls, as declared in `service MachineService`. */
export const MachineService = {
  ApplyConfiguration: method("ApplyConfiguration", ApplyConfigurationRequest, ApplyConfigurationResponse),
  Bootstrap: method("Bootstrap", BootstrapRequest, BootstrapResponse),
  EtcdMemberList: method("EtcdMemberList", EtcdMemberListRequest, EtcdMemberListResponse),
  Kubeconfig: method("Kubeconfig", Empty, Data, true),
  Read: method("Read", ReadRequest, Data, true),
  ServiceList: method("ServiceList", Empty, ServiceListResponse),
  Version: method("Version", Empty, VersionResponse),
} as const;
