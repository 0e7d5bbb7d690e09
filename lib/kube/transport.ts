/**
 * HTTP to the Kubernetes API through `@kubernetes/client-node`: its KubeConfig does the TLS
 * (server verified with the kubeconfig's CA, client certificate presented — checked under Deno
 * against the lab emulator) and its fetch library sends the request; bodies are plain JSON we
 * read ourselves, so no object is reshaped by client-node's typed serializer (which drops fields
 * its model does not know — unacceptable for server-side apply). Errors come back as
 * {@link KubeApiError} with the server's Status, transient ones (429, 5xx, connection failures) as
 * TransientError.
 *
 * @example
 * ```ts
 * const t = new KubeTransport(kubeConfig);
 * const { status, body } = await t.request("GET", "/api/v1/nodes");
 * ```
 */
import type { IsomorphicFetchHttpLibrary, KubeConfig, RequestContext } from "@kubernetes/client-node";
import { clientNode } from "./client_node.ts";
import { StrataError, TransientError } from "../errors.ts";

/** The Status object the API answers errors with. */
export interface KubeStatus {
  kind?: "Status";
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
  };
}

/** A request the API server refused: its Status, and what we were doing. */
export class KubeApiError extends StrataError {
  constructor(
    readonly code: number,
    readonly statusBody: KubeStatus,
    readonly action: string,
  ) {
    super(
      `${action}: ${statusBody.message ?? `HTTP ${code}`}${
        statusBody.reason ? ` (${statusBody.reason})` : ""
      }`,
    );
  }
  get reason(): string | undefined {
    return this.statusBody.reason;
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 409;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  /** What the request does, for error messages ("apply deployment.apps/web in kube-system"). */
  action?: string;
}

export interface KubeResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** Warning headers (e.g. unknown fields the server dropped). */
  warnings: string[];
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

export class KubeTransport {
  #http?: IsomorphicFetchHttpLibrary;
  /**
   * The connection pool (undici dispatcher with the kubeconfig's TLS material and keep-alive) of
   * the current cluster and user. client-node builds a new one on every
   * `applySecurityAuthentication`, which would open a new TLS connection per request; we keep
   * the first one so requests reuse its connections.
   */
  #dispatcher?: { key: string; dispatcher: unknown };
  constructor(readonly kubeConfig: KubeConfig) {}

  /** Reuses the pooled dispatcher of this cluster and user (the headers stay per request). */
  #pooled(ctx: RequestContext): void {
    const fresh = ctx.getDispatcher();
    if (fresh === undefined) return;
    const key = JSON.stringify([
      this.kubeConfig.getCurrentCluster(),
      this.kubeConfig.getCurrentUser(),
    ]);
    if (this.#dispatcher?.key !== key) this.#dispatcher = { key, dispatcher: fresh };
    ctx.setDispatcher(this.#dispatcher.dispatcher as typeof fresh);
  }

  /** The API server URL of the current context. */
  get server(): string {
    const c = this.kubeConfig.getCurrentCluster();
    if (!c) {
      throw new StrataError(
        "kubeconfig has no current cluster",
        2,
        "check current-context in the kubeconfig",
      );
    }
    return c.server.replace(/\/+$/, "");
  }

  async #send(method: string, path: string, opts: RequestOptions) {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const k8s = await clientNode();
    this.#http ??= new k8s.IsomorphicFetchHttpLibrary();
    const verb = METHODS.find((m) => m === method);
    if (!verb) throw new Error(`unsupported HTTP method ${method}`);
    const ctx = new k8s.RequestContext(url.toString(), k8s.HttpMethod[verb]);
    await this.kubeConfig.applySecurityAuthentication(ctx);
    this.#pooled(ctx);
    ctx.setHeaderParam("Accept", opts.accept ?? "application/json");
    ctx.setHeaderParam("User-Agent", "strata");
    if (opts.body !== undefined) {
      ctx.setHeaderParam("Content-Type", opts.contentType ?? "application/json");
      ctx.setBody(typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body));
    }
    if (opts.signal) ctx.setSignal(opts.signal);
    const action = opts.action ?? `${method} ${path}`;
    try {
      return await this.#http.send(ctx).toPromise();
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      throw new TransientError(
        `${action}: cannot reach the Kubernetes API at ${this.server}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  /** Sends a request and parses the JSON answer; non-2xx answers throw. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<KubeResponse> {
    const res = await this.#send(method, path, opts);
    const text = await res.body.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (a plain-text 404 page, a log)
    }
    const warnings = (res.headers["warning"] ?? "").split(/,\s*(?=\d{3} )/).filter(Boolean)
      .map((w) => w.replace(/^\d{3} \S+ /, "").replace(/^"(.*)"$/, "$1"));
    if (res.httpStatusCode >= 200 && res.httpStatusCode < 300) {
      return { status: res.httpStatusCode, headers: res.headers, body, warnings };
    }
    throw errorFor(res.httpStatusCode, body, opts.action ?? `${method} ${path}`);
  }

  /** Opens a streaming GET (a watch); the caller reads lines from the body. */
  async stream(path: string, opts: RequestOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const res = await this.#send("GET", path, opts);
    if (res.httpStatusCode !== 200) {
      const text = await res.body.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch { /* plain text */ }
      throw errorFor(res.httpStatusCode, body, opts.action ?? `watch ${path}`);
    }
    const s = res.body.stream();
    if (!s) throw new TransientError(`${opts.action ?? path}: the watch answered without a body`);
    return s;
  }
}

function errorFor(code: number, body: unknown, action: string): Error {
  const status: KubeStatus =
    typeof body === "object" && body !== null && (body as KubeStatus).kind === "Status"
      ? body as KubeStatus
      : { message: typeof body === "string" ? body.trim() : `HTTP ${code}`, code };
  const err = new KubeApiError(code, status, action);
  if (
    code === 429 || code === 502 || code === 503 || code === 504 ||
    (code === 500 && status.reason !== "Invalid")
  ) {
    return new TransientError(err.message, { cause: err });
  }
  if (code === 401) {
    return new StrataError(
      `${action}: the Kubernetes API refused the kubeconfig's client certificate (401 Unauthorized)`,
      1,
      "the kubeconfig belongs to another cluster or its certificate expired; fetch it again (re-run layer 01)",
    );
  }
  return err;
}
