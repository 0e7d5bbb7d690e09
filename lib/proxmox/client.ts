/**
 * The Proxmox VE API client: REST over HTTPS with `PVEAPIToken` auth, TLS verified against the
 * host's PVE root CA, tasks followed to completion through the clock, PVE's errors kept intact,
 * and transient failures (connection reset, 502/503, 595, config lock timeouts) retried.
 *
 * @example
 * ```ts
 * const pve = new ProxmoxClient({ baseUrl: "https://10.0.0.10:8006", tokenId: "strata@pve!strata",
 *   secret, caPem, clock: systemClock });
 * const upid = await pve.post<string>("/nodes/pve1/qemu/1101/status/start");
 * await pve.waitForTask("pve1", upid);
 * ```
 */
import type { Clock } from "../clock/clock.ts";
import { StrataError, TransientError } from "../errors.ts";
import { redact } from "../ssh/redact.ts";

export interface ProxmoxClientOptions {
  /** `https://HOST:8006`. */
  baseUrl: string;
  /** `user@realm!tokenid`. */
  tokenId: string;
  secret: string;
  /** The PVE root CA (from layer 00) that the API's certificate must chain to. */
  caPem: string;
  clock: Clock;
  /** Attempts for transient failures (default 4). */
  attempts?: number;
}

/** An error answer of the API: HTTP status, PVE's message, and per-parameter errors. */
export class ProxmoxApiError extends StrataError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly reason: string,
    readonly errors?: Record<string, string>,
  ) {
    const detail = errors ? ": " + Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join("; ") : "";
    super(`Proxmox ${method} ${path} failed: ${status} ${reason}${detail}`);
  }
}

/** True for failures worth retrying. */
export function isTransientProxmoxError(err: unknown): boolean {
  if (err instanceof ProxmoxApiError) {
    return [502, 503, 595].includes(err.status) || /can't lock file .* got timeout/.test(err.reason);
  }
  return err instanceof TypeError || /connection (reset|refused|closed)|ECONNRESET/i.test(String(err));
}

export class ProxmoxClient {
  readonly #http: Deno.HttpClient;
  constructor(private readonly options: ProxmoxClientOptions) {
    this.#http = Deno.createHttpClient({ caCerts: [options.caPem] });
  }

  close(): void {
    this.#http.close();
  }

  async request<T>(
    method: string,
    path: string,
    params: Record<string, string | number | boolean> = {},
  ): Promise<T> {
    const attempts = this.options.attempts ?? 4;
    for (let attempt = 1;; attempt++) {
      try {
        return await this.#once<T>(method, path, params);
      } catch (err) {
        if (!isTransientProxmoxError(err) || attempt >= attempts) {
          if (isTransientProxmoxError(err)) {
            throw new TransientError(String((err as Error).message), { cause: err });
          }
          throw err;
        }
        await this.options.clock.sleep(Math.min(8_000, 500 * 2 ** (attempt - 1)));
      }
    }
  }

  async #once<T>(
    method: string,
    path: string,
    params: Record<string, string | number | boolean>,
  ): Promise<T> {
    const form = new URLSearchParams(
      Object.entries(params).map(([k, v]) => [k, typeof v === "boolean" ? (v ? "1" : "0") : String(v)]),
    );
    const hasBody = method === "POST" || method === "PUT";
    const url = `${this.options.baseUrl}/api2/json${path}${!hasBody && form.size ? `?${form}` : ""}`;
    const res = await fetch(url, {
      method,
      client: this.#http,
      headers: {
        authorization: `PVEAPIToken=${this.options.tokenId}=${this.options.secret}`,
        ...(hasBody ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      body: hasBody ? form.toString() : undefined,
    });
    const text = await res.text();
    let body: { data?: unknown; errors?: Record<string, string>; message?: string } = {};
    try {
      body = JSON.parse(text);
    } catch { /* non-JSON error page */ }
    if (!res.ok) {
      const reason = redact((body.message ?? res.statusText ?? "").trim(), [this.options.secret]);
      throw new ProxmoxApiError(method, path, res.status, reason, body.errors);
    }
    return body.data as T;
  }

  get<T>(path: string, params?: Record<string, string | number | boolean>): Promise<T> {
    return this.request("GET", path, params);
  }
  post<T>(path: string, params?: Record<string, string | number | boolean>): Promise<T> {
    return this.request("POST", path, params);
  }
  put<T>(path: string, params?: Record<string, string | number | boolean>): Promise<T> {
    return this.request("PUT", path, params);
  }
  delete<T>(path: string, params?: Record<string, string | number | boolean>): Promise<T> {
    return this.request("DELETE", path, params);
  }

  /**
   * Polls a task until it stops, with backoff through the clock. `OK` and `WARNINGS: n` succeed;
   * anything else fails with the task log's tail.
   */
  async waitForTask(
    node: string,
    upid: string,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    const started = this.options.clock.now();
    const path = `/nodes/${node}/tasks/${encodeURIComponent(upid)}`;
    for (let delay = 250;; delay = Math.min(delay * 2, 1_000)) {
      const status = await this.get<{ status: string; exitstatus?: string }>(`${path}/status`);
      if (status.status === "stopped") {
        if (status.exitstatus === "OK" || /^WARNINGS: \d+$/.test(status.exitstatus ?? "")) return;
        const log = await this.get<{ n: number; t: string }[]>(`${path}/log`, { start: 0, limit: 500 });
        const tail = log.slice(-5).map((l) => l.t).join("\n");
        throw new StrataError(`Proxmox task ${upid} failed: ${status.exitstatus}\n${tail}`);
      }
      if (this.options.clock.now() - started > (options.timeoutMs ?? 15 * 60_000)) {
        throw new TransientError(
          `Proxmox task ${upid} still running after ${
            Math.round((this.options.clock.now() - started) / 1000)
          }s`,
        );
      }
      await this.options.clock.sleep(delay, options.signal);
    }
  }
}
