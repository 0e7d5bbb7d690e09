/**
 * A client for one Talos node's machine API (apid, port 50000), over gRPC with our own protobuf
 * codec: `ApplyConfiguration`, `Bootstrap`, `Version`, `ServiceList`, `EtcdMemberList`,
 * `Kubeconfig` and `Read`.
 *
 * Without credentials it talks to a node in maintenance mode (TLS, no client certificate, the
 * node's certificate not verified: see transport.ts); with the talosconfig credentials it uses
 * mutual TLS and verifies the node against the Talos OS CA and its IP.
 *
 * Every call has a timeout on the injected clock and follows the abort signal. Errors are mapped
 * to strata errors (errors.ts): unreachable or not-ready nodes are transient, refusals permanent;
 * TLS failures say which side refused whom.
 *
 * @example
 * ```ts
 * const node = new TalosClient({ node: "10.0.1.11", name: "cp-1", clock });
 * const applied = await node.applyConfiguration(yaml); // maintenance mode
 * const admin = new TalosClient({ node: "10.0.1.11", name: "cp-1", clock, credentials: { ca, crt, key } });
 * await admin.bootstrap();
 * const kubeconfig = await admin.kubeconfig();
 * admin.close(); node.close();
 * ```
 */
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { type Clock, formatDuration, systemClock } from "../../clock/clock.ts";
import { decodeMessage, encodeMessage } from "./codec.ts";
import {
  GrpcStatus,
  TalosApiError,
  talosCallError,
  type TalosCallInfo,
  TalosTlsError,
  TalosUnavailableError,
} from "./errors.ts";
import {
  ApplyMode,
  type Data,
  type EtcdMember,
  MachineService,
  type Metadata,
  type MethodSpec,
  RpcStatus,
  type ServiceInfo,
  type Version,
} from "./messages.ts";
import { extractTarGzFile } from "./targz.ts";
import {
  CHANNEL_OPTIONS,
  channelCredentials,
  classifyConnectError,
  probeTls,
  TALOS_API_PORT,
  type TalosCredentials,
} from "./transport.ts";

export interface TalosClientOptions {
  /** The node's IP address: what its certificate must carry. */
  node: string;
  /** A name for messages ("cp-1"). */
  name?: string;
  /** Where to connect; default `node` (the lab dials the node's loopback twin). */
  dialAddress?: string;
  port?: number;
  /** The talosconfig's CA, certificate and key (PEM): configured mode. Absent: maintenance mode. */
  credentials?: TalosCredentials;
  clock?: Clock;
  /** Per-call timeout in virtual ms; default 60 s. */
  callTimeoutMs?: number;
  /** Aborts every call in flight. */
  signal?: AbortSignal;
}

/** What `ApplyConfiguration` did. */
export interface ApplyResult {
  /** The mode the node chose (AUTO resolves to REBOOT or NO_REBOOT). */
  mode: ApplyMode;
  modeDetails: string;
  warnings: string[];
  /**
   * True when the connection broke after the request went out and before the answer came: the node
   * took the config and rebooted (Talos resets apid when it leaves maintenance mode). The caller
   * confirms by waiting for the node to come back configured.
   */
  reset: boolean;
}

type AnyMethod = MethodSpec<Record<string, unknown>, Record<string, unknown>>;

/** The messages of a Talos reply (`repeated X messages = 1`). */
interface Replies {
  messages: { metadata?: Metadata }[];
}

/** The machine API of one node. Close it when done. */
export class TalosClient {
  readonly label: string;
  readonly #o: TalosClientOptions & {
    dialAddress: string;
    port: number;
    clock: Clock;
    callTimeoutMs: number;
  };
  #grpc?: grpc.Client;

  constructor(options: TalosClientOptions) {
    this.#o = {
      ...options,
      dialAddress: options.dialAddress ?? options.node,
      port: options.port ?? TALOS_API_PORT,
      clock: options.clock ?? systemClock,
      callTimeoutMs: options.callTimeoutMs ?? 60_000,
    };
    this.label = options.name ? `${options.name} (${options.node})` : options.node;
  }

  /** "maintenance" without credentials, "configured" with them. */
  get mode(): "maintenance" | "configured" {
    return this.#o.credentials ? "configured" : "maintenance";
  }

  #client(): grpc.Client {
    this.#grpc ??= new grpc.Client(
      `${this.#o.dialAddress}:${this.#o.port}`,
      channelCredentials({ node: this.#o.node, credentials: this.#o.credentials }),
      CHANNEL_OPTIONS,
    );
    return this.#grpc;
  }

  /** Drops the channel so the next call connects afresh (grpc-js would back off on its own clock). */
  #reset(): void {
    this.#grpc?.close();
    this.#grpc = undefined;
  }

  close(): void {
    this.#reset();
  }

  #info(method: string, code: number, grpcMessage: string, status?: RpcStatus): TalosCallInfo {
    return { node: this.label, method, code, grpcMessage, status };
  }

  /** Turns a grpc-js error into a strata error, finding out who refused whom on TLS failures. */
  async #error(method: string, err: grpc.ServiceError): Promise<Error> {
    let status: RpcStatus | undefined;
    const raw = err.metadata?.get("grpc-status-details-bin")?.[0];
    if (raw instanceof Uint8Array) {
      try {
        status = decodeMessage(RpcStatus, new Uint8Array(raw));
      } catch { /* a malformed detail does not hide the status itself */ }
    }
    const details = err.details ?? err.message;
    if (err.code === GrpcStatus.UNAVAILABLE) {
      this.#reset();
      const last = /Last error: (.*?)(?: \(\d{4}-\d\d-\d\dT[^)]*\))?\. Resolution note/.exec(details)?.[1] ??
        details;
      const kind = classifyConnectError(last);
      if (kind !== "unreachable" && kind !== "unknown") return new TalosTlsError(this.label, kind, last);
      if (kind === "unknown" && /No connection established/.test(details)) {
        // grpc-js says only "failed to connect": look at the handshake ourselves
        const probe = await probeTls({
          node: this.#o.node,
          address: this.#o.dialAddress,
          port: this.#o.port,
          credentials: this.#o.credentials,
          clock: this.#o.clock,
        });
        if (probe.kind === "refused") return new TalosTlsError(this.label, probe.refusal, probe.message);
        if (probe.kind === "closed" && this.#o.credentials) {
          return new TalosTlsError(
            this.label,
            "client-refused",
            "connection closed right after the handshake",
          );
        }
      }
      return new TalosUnavailableError(this.#info(method, err.code, last, status));
    }
    return talosCallError(this.#info(method, err.code ?? GrpcStatus.UNKNOWN, details, status));
  }

  /** Runs one call with the clock's timeout and the abort signal. */
  #call<T>(
    method: string,
    start: (client: grpc.Client, finish: (err: grpc.ServiceError | null, value?: T) => void) => grpc.Call,
  ): Promise<T> {
    const signal = this.#o.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const stop = new AbortController();
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        stop.abort();
        signal?.removeEventListener("abort", onAbort);
        fn();
      };
      const call = start(this.#client(), (err, value) => {
        if (!err) return settle(() => resolve(value as T));
        if (settled) return;
        this.#error(method, err).then((e) => settle(() => reject(e)), (e) => settle(() => reject(e)));
      });
      const onAbort = () => {
        call.cancel();
        settle(() => reject(signal!.reason));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#o.clock.sleep(this.#o.callTimeoutMs, stop.signal).then(() => {
        call.cancel();
        this.#reset();
        settle(() =>
          reject(
            new TalosUnavailableError(
              this.#info(
                method,
                GrpcStatus.DEADLINE_EXCEEDED,
                `no answer within ${formatDuration(this.#o.callTimeoutMs)}`,
              ),
            ),
          )
        );
      }, () => {});
    });
  }

  #unary<Req, Res extends Replies>(m: MethodSpec<Req, Res>, request: Partial<Req>): Promise<Res> {
    const spec = m as unknown as AnyMethod;
    return this.#call<Res>(m.name, (client, finish) =>
      client.makeUnaryRequest(
        m.path,
        (r: Record<string, unknown>) => Buffer.from(encodeMessage(spec.request, r)),
        (b: Buffer) => decodeMessage(m.response, new Uint8Array(b)),
        request as Record<string, unknown>,
        new grpc.Metadata(),
        {},
        (err, value) => finish(err, value),
      )).then((reply) => this.#checkMessages(m.name, reply));
  }

  #serverStream<Req>(m: MethodSpec<Req, Data>, request: Partial<Req>): Promise<Data[]> {
    const spec = m as unknown as AnyMethod;
    return this.#call<Data[]>(m.name, (client, finish) => {
      const chunks: Data[] = [];
      const stream = client.makeServerStreamRequest(
        m.path,
        (r: Record<string, unknown>) => Buffer.from(encodeMessage(spec.request, r)),
        (b: Buffer) => decodeMessage(m.response, new Uint8Array(b)),
        request as Record<string, unknown>,
        new grpc.Metadata(),
        {},
      );
      let failed = false;
      stream.on("data", (d: Data) => chunks.push(d));
      stream.on("error", (err: grpc.ServiceError) => {
        failed = true;
        finish(err);
      });
      // 'end' follows 'error' too; only a clean end is the answer
      stream.on("end", () => failed || finish(null, chunks));
      return stream;
    }).then((chunks) => {
      for (const c of chunks) this.#checkMetadata(m.name, c.metadata);
      return chunks;
    });
  }

  /** apid reports per-node failures inside the messages' metadata. */
  #checkMetadata(method: string, md: Metadata | undefined): void {
    if (!md?.error) return;
    const code = md.status?.code ?? GrpcStatus.UNKNOWN;
    throw talosCallError(this.#info(method, code, md.status?.message || md.error, md.status));
  }

  #checkMessages<Res extends Replies>(method: string, reply: Res): Res {
    for (const msg of reply.messages) this.#checkMetadata(method, msg.metadata);
    if (!reply.messages.length) {
      throw new TalosApiError(this.#info(method, GrpcStatus.INTERNAL, "the reply has no messages"));
    }
    return reply;
  }

  /** `Version`: the Talos version and platform the node runs. */
  async version(): Promise<Version> {
    return (await this.#unary(MachineService.Version, {})).messages[0];
  }

  /**
   * `ApplyConfiguration` of a machine config (YAML). In maintenance mode the node installs and
   * reboots; a connection reset right after the request is that reboot and counts as success
   * (`reset: true`).
   */
  async applyConfiguration(
    data: string | Uint8Array,
    opts: { mode?: ApplyMode; dryRun?: boolean } = {},
  ): Promise<ApplyResult> {
    const mode = opts.mode ?? (this.mode === "maintenance" ? ApplyMode.REBOOT : ApplyMode.AUTO);
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    try {
      const reply = await this.#unary(MachineService.ApplyConfiguration, {
        data: bytes,
        mode,
        dryRun: opts.dryRun,
      });
      const m = reply.messages[0];
      return { mode: m.mode as ApplyMode, modeDetails: m.modeDetails, warnings: m.warnings, reset: false };
    } catch (err) {
      // the channel was up and the call went out; then the node dropped the connection: it is
      // rebooting into the new config (a refused connect says "No connection established")
      if (
        !opts.dryRun && err instanceof TalosUnavailableError && err.code === GrpcStatus.UNAVAILABLE &&
        !/No connection established|ECONNREFUSED/.test(err.grpcMessage)
      ) {
        return {
          mode,
          modeDetails:
            `the node reset the connection after the request (${err.grpcMessage}); it is rebooting`,
          warnings: [],
          reset: true,
        };
      }
      throw err;
    }
  }

  /**
   * `Bootstrap`: starts etcd on this control plane as a new cluster. Idempotent: a node whose etcd
   * data directory is not empty answers AlreadyExists, which is success (`already: true`).
   */
  async bootstrap(): Promise<{ already: boolean }> {
    try {
      await this.#unary(MachineService.Bootstrap, {});
      return { already: false };
    } catch (err) {
      if (err instanceof TalosApiError && err.code === GrpcStatus.ALREADY_EXISTS) return { already: true };
      // "bootstrap is not available yet", "time is not in sync yet": the node is still booting
      if (err instanceof TalosApiError && err.code === GrpcStatus.FAILED_PRECONDITION) {
        throw new TalosUnavailableError(
          { node: err.node, method: err.method, code: err.code, grpcMessage: err.grpcMessage },
          "the node is not ready for bootstrap yet",
        );
      }
      throw err;
    }
  }

  /** `ServiceList`: the node's services with state and health. */
  async serviceList(): Promise<ServiceInfo[]> {
    return (await this.#unary(MachineService.ServiceList, {})).messages[0].services;
  }

  /** `EtcdMemberList`: the members of the etcd cluster this control plane belongs to. */
  async etcdMemberList(opts: { queryLocal?: boolean } = {}): Promise<EtcdMember[]> {
    return (await this.#unary(MachineService.EtcdMemberList, { queryLocal: opts.queryLocal ?? false }))
      .messages[0].members;
  }

  /** `Kubeconfig`: the admin kubeconfig (YAML), unpacked from the tar.gz stream the node sends. */
  async kubeconfig(): Promise<string> {
    const chunks = await this.#serverStream(MachineService.Kubeconfig, {});
    const archive = concat(chunks.map((c) => c.bytes));
    try {
      return new TextDecoder().decode(extractTarGzFile(archive, "kubeconfig"));
    } catch (err) {
      throw new TalosApiError(
        this.#info(
          "Kubeconfig",
          GrpcStatus.DATA_LOSS,
          `unexpected kubeconfig archive: ${(err as Error).message}`,
        ),
      );
    }
  }

  /** `Read`: a file from the node (e.g. `/system/state/config.yaml`, the applied config). */
  async read(path: string): Promise<Uint8Array> {
    return concat((await this.#serverStream(MachineService.Read, { path })).map((c) => c.bytes));
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
