/**
 * The Proxmox VE API client: REST over HTTPS (`https://HOST:8006/api2/json/…`) with
 * `PVEAPIToken` auth, TLS verified against the host's PVE root CA (or a pinned fingerprint, or
 * off when the user configured `insecure`), PVE's errors kept intact, transient failures retried a
 * bounded number of times through the clock, and tasks followed to their end.
 *
 * @example
 * ```ts
 * const pve = new ProxmoxClient({ baseUrl: "https://10.0.0.10:8006", tokenId: "strata@pve!strata",
 *   secret, caPem, clock: systemClock });
 * await pve.runTask("pve1", "POST", "/nodes/pve1/qemu/1101/status/start");
 * pve.close();
 * ```
 */
import type { Clock } from "../clock/clock.ts";
import { TransientError } from "../errors.ts";
import { redact } from "../ssh/redact.ts";
import { isTransientProxmoxError, ProxmoxApiError, ProxmoxTaskError } from "./errors.ts";
import { createTransport, type Transport } from "./transport.ts";

export { isTransientProxmoxError, ProxmoxApiError, ProxmoxTaskError } from "./errors.ts";

export type ParamValue = string | number | boolean | undefined;
export type Params = Record<string, ParamValue>;

export interface ProxmoxClientOptions {
  /** `https://HOST:8006`. */
  baseUrl: string;
  /** `user@realm!tokenid`. */
  tokenId: string;
  secret: string;
  /** The CA the API certificate must chain to (layer 00 reads the host's PVE root CA). */
  caPem?: string;
  /** Or: the API certificate's SHA-256 fingerprint ("AB:CD:…"). */
  fingerprint?: string;
  /** Or: no verification at all (the caller warns; config `insecure: true`). */
  insecure?: boolean;
  clock: Clock;
  /** Tries for a transient failure, the first included (default 4). */
  attempts?: number;
}

/** The status of a task, as `/nodes/{node}/tasks/{upid}/status` returns it. */
export interface TaskStatus {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  status: "running" | "stopped";
  exitstatus?: string;
  starttime: number;
  pid: number;
  pstart: number;
}

/** `OK` and `WARNINGS: n` are successes (PVE::UPID::status_is_error). */
export function taskSucceeded(exitstatus: string | undefined): boolean {
  return exitstatus === "OK" || /^WARNINGS: \d+$/.test(exitstatus ?? "");
}

function encodeParams(params: Params): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    out.append(k, typeof v === "boolean" ? (v ? "1" : "0") : String(v));
  }
  return out;
}

export class ProxmoxClient {
  readonly #transport: Transport;
  readonly #attempts: number;
  constructor(private readonly options: ProxmoxClientOptions) {
    const trust = options.caPem
      ? { caPem: options.caPem }
      : options.fingerprint
      ? { fingerprint: options.fingerprint }
      : options.insecure
      ? { insecure: true as const }
      : undefined;
    if (!trust) throw new Error("ProxmoxClient needs caPem, fingerprint or insecure: true");
    this.#transport = createTransport(trust);
    this.#attempts = Math.max(1, options.attempts ?? 4);
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  close(): void {
    this.#transport.close();
  }

  /** One API call; transient failures are retried (backoff through the clock), then thrown as TransientError. */
  async request<T>(method: string, path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
    for (let attempt = 1;; attempt++) {
      try {
        return await this.#once<T>(method, path, params);
      } catch (err) {
        if (!isTransientProxmoxError(err)) throw err;
        if (attempt >= this.#attempts) {
          throw new TransientError(
            `${(err as Error).message} (gave up after ${attempt} ${attempt === 1 ? "try" : "tries"})`,
            { cause: err, remedy: "the Proxmox host is busy or unreachable; run the command again" },
          );
        }
        await this.options.clock.sleep(Math.min(8_000, 500 * 2 ** (attempt - 1)), signal);
      }
    }
  }

  async #once<T>(method: string, path: string, params: Params): Promise<T> {
    const form = encodeParams(params);
    const hasBody = method === "POST" || method === "PUT";
    const url = `${this.options.baseUrl}/api2/json${path}${!hasBody && form.size ? `?${form}` : ""}`;
    const res = await this.#transport.send(url, {
      method,
      headers: {
        authorization: `PVEAPIToken=${this.options.tokenId}=${this.options.secret}`,
        ...(hasBody ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      body: hasBody ? form.toString() : undefined,
    });
    let body: { data?: unknown; errors?: Record<string, string>; message?: string } = {};
    try {
      body = JSON.parse(res.body);
    } catch { /* plain-text error page */ }
    if (res.status >= 200 && res.status < 300) return body.data as T;
    const secrets = [this.options.secret];
    const raw = body.message ?? (res.body.trim() || res.statusText);
    let reason = redact(raw.trim().split("\n")[0], secrets);
    let remedy: string | undefined;
    if (res.status === 401) {
      reason = res.statusText && res.statusText !== "Unauthorized"
        ? res.statusText
        : "authentication failure";
      remedy = `check the API token ${this.options.tokenId} (layer 00 creates it; if it was removed on the ` +
        "host, run `deno task bootstrap --only=persistent-auth --rotate-proxmox-tokens`)";
    } else if (res.status === 403) {
      remedy = `give ${this.options.tokenId} the privilege named above (layer 00 sets its roles)`;
    }
    const errors = body.errors
      ? Object.fromEntries(Object.entries(body.errors).map(([k, v]) => [k, redact(v, secrets)]))
      : undefined;
    throw new ProxmoxApiError(method, path, res.status, reason, errors, remedy);
  }

  get<T>(path: string, params?: Params, signal?: AbortSignal): Promise<T> {
    return this.request("GET", path, params, signal);
  }
  post<T>(path: string, params?: Params, signal?: AbortSignal): Promise<T> {
    return this.request("POST", path, params, signal);
  }
  put<T>(path: string, params?: Params, signal?: AbortSignal): Promise<T> {
    return this.request("PUT", path, params, signal);
  }
  delete<T>(path: string, params?: Params, signal?: AbortSignal): Promise<T> {
    return this.request("DELETE", path, params, signal);
  }

  /**
   * Polls a task until it stops, with backoff (250 ms doubling to 1 s) through the clock. `OK` and
   * `WARNINGS: n` succeed; anything else throws {@link ProxmoxTaskError} with the log's tail.
   */
  async waitForTask(
    node: string,
    upid: string,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<TaskStatus> {
    const { clock } = this.options;
    const started = clock.now();
    const path = `/nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(upid)}`;
    for (let delay = 250;; delay = Math.min(delay * 2, 1_000)) {
      const status = await this.get<TaskStatus>(`${path}/status`, undefined, options.signal);
      if (status.status === "stopped") {
        if (taskSucceeded(status.exitstatus)) return status;
        const log = await this.get<{ n: number; t: string }[]>(
          `${path}/log`,
          { start: 0, limit: 0 },
          options.signal,
        )
          .catch(() => []);
        const tail = log.map((l) => l.t).filter((t) => t.trim()).slice(-10);
        throw new ProxmoxTaskError(upid, status.exitstatus ?? "unknown", tail);
      }
      if (clock.now() - started > (options.timeoutMs ?? 30 * 60_000)) {
        throw new TransientError(
          `Proxmox task ${upid} is still running after ${Math.round((clock.now() - started) / 1000)} s`,
        );
      }
      await clock.sleep(delay, options.signal);
    }
  }

  /**
   * Starts a task (an API call that returns a UPID) and waits for it. A task that failed on a VM
   * lock held by another task is started again, a bounded number of times.
   */
  async runTask(
    node: string,
    method: string,
    path: string,
    params: Params = {},
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<TaskStatus> {
    for (let attempt = 1;; attempt++) {
      const upid = await this.request<string>(method, path, params, options.signal);
      try {
        return await this.waitForTask(node, upid, options);
      } catch (err) {
        if (!(err instanceof ProxmoxTaskError) || !isTransientProxmoxError(err)) throw err;
        if (attempt >= this.#attempts) {
          throw new TransientError(err.message, {
            cause: err,
            remedy: "another task keeps the VM locked; try again later",
          });
        }
        await this.options.clock.sleep(Math.min(8_000, 1_000 * 2 ** (attempt - 1)), options.signal);
      }
    }
  }
}
