/**
 * The request pipeline of the emulated API server, in pve-http-server's and pve-manager's order:
 * authentication (401 after PVE's 3 s delay), the `json` formatter, the method lookup (501
 * "Method '…' not implemented"), the endpoint's permission check (403), the proxy to the node in
 * the path, parameter validation (400 with per-parameter errors), then the method itself. Answers
 * carry PVE's status lines and `{"data": …}` bodies with `message` / `errors` on failure.
 *
 * @example
 * ```ts
 * const handle = apiPipeline({ host, handlers, trace });
 * const answer = await handle({ method: "GET", url: new URL("https://127.0.0.10:8006/api2/json/version"), headers, body });
 * ```
 */
import type { Faults } from "../faults.ts";
import type { Trace } from "../trace.ts";
import { verifyApiToken } from "./access.ts";
import { API_MODEL, type EndpointSpec } from "./api_model.ts";
import type { ApiHandler, HostRuntime } from "./context.ts";
import { paramException, PerlDie, PveException } from "./exception.ts";
import { Permissions } from "./permissions.ts";
import { perlString, validateParams } from "./validate.ts";

export interface RawRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: Uint8Array;
}

/** An answer: status, PVE's status-line message, body; or a connection dropped without one. */
export type RawResponse =
  | { status: number; reason: string; headers: Record<string, string>; body: string }
  | { drop: true };

const JSON_TYPE = "application/json;charset=UTF-8";

/** Finds the model endpoint for a request path; returns it and the path parameters. */
export function route(
  method: string,
  path: string,
): { key: string; spec: EndpointSpec; params: Record<string, string> } | undefined {
  for (const [key, spec] of Object.entries(API_MODEL)) {
    const [m, template] = key.split(" ");
    if (m !== method) continue;
    const names: string[] = [];
    // storage content takes the rest of the path as the volume (`fragmentDelimiter => ''`): volids have '/'
    const re = new RegExp(
      "^" + template.replace(/\{(\w+)\}/g, (_, n) => (names.push(n), n === "volume" ? "(.+?)" : "([^/]+)")) +
        "/?$",
    );
    const match = re.exec(path);
    if (match) return { key, spec, params: Object.fromEntries(names.map((n, i) => [n, match[i + 1]])) };
  }
  return undefined;
}

/** `decode_urlencoded`: `+` is a space, repeated keys become arrays. */
function decodeUrlencoded(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    const old = out[k];
    out[k] = old === undefined ? v : Array.isArray(old) ? [...old, v] : [old, v];
  }
  return out;
}

/** PVE's `error()`: the message as status line and as plain-text body. */
function plainError(status: number, message: string): RawResponse {
  const reason = message.split("\n")[0];
  return { status, reason, headers: {}, body: message };
}

function jsonAnswer(status: number, message: string | undefined, body: Record<string, unknown>): RawResponse {
  const reason = (message ?? "").split("\n")[0] || (status === 200 ? "OK" : "");
  if (status >= 400) body = { ...body, message: message ?? reason };
  return { status, reason, headers: { "content-type": JSON_TYPE }, body: JSON.stringify(body) };
}

export interface PipelineOptions {
  host: HostRuntime;
  handlers: Record<string, ApiHandler>;
  trace: Trace;
  faults?: Faults;
}

export function apiPipeline(options: PipelineOptions): (req: RawRequest) => Promise<RawResponse> {
  const { host, handlers, trace } = options;
  let faultTurn = 0;

  return async (req) => {
    let path: string;
    try {
      path = decodeURIComponent(req.url.pathname).replace(/\/{2,}/g, "/");
    } catch {
      path = req.url.pathname;
    }
    const traced: Record<string, unknown> = Object.fromEntries(req.url.searchParams);
    const done = (answer: RawResponse): RawResponse => {
      trace.record({
        system: "proxmox",
        method: req.method,
        path: req.url.pathname,
        params: traced,
        status: "drop" in answer ? "dropped" : answer.status,
        at: host.clock.now(),
        host: host.name,
      });
      return answer;
    };

    const fault = options.faults?.next() ?? { kind: "none" };
    if (fault.kind === "spike") await host.clock.sleep(fault.ms, host.closing).catch(() => {});
    if (fault.kind === "drop") return done({ drop: true });
    if (fault.kind === "error") return done(injectedError(path, faultTurn++));

    const abs = /^\/api2\/+([a-z][a-z0-9]+)(\/.*)?$/.exec(path);
    if (!path.startsWith("/api2")) return done(plainError(404, "File not found"));
    if (!abs) return done(plainError(501, "no such uri"));
    const [, format, relPath = "/"] = abs;

    const authid = authenticate(req.headers, host);
    if (typeof authid !== "string") {
      // PVE always delays unauthorized calls by 3 seconds
      await host.clock.sleep(3000, host.closing).catch(() => {});
      return done({ status: 401, reason: authid.reason, headers: {}, body: "" });
    }
    if (format !== "json") return done(plainError(501, `no formatter for uri ${relPath}, ${format}`));

    let params: Record<string, unknown>;
    try {
      params = extractParams(req);
    } catch (err) {
      if (err instanceof PerlDie) return done(plainError(Number(err.text.slice(0, 3)), err.text.slice(4)));
      return done(plainError(500, `${(err as Error).message}\n`));
    }
    Object.assign(traced, params);

    const found = route(req.method, relPath);
    if (!found) {
      const message = `Method '${req.method} ${relPath}' not implemented`;
      return done(jsonAnswer(501, message, { data: null }));
    }
    try {
      for (const [k, v] of Object.entries(found.params)) {
        if (params[k] !== undefined && params[k] !== v) {
          throw paramException({
            [k]: "duplicate parameter (already defined in URI) with conflicting values!",
          });
        }
        params[k] = v;
      }
      const perms = new Permissions(host.access(), authid);
      perms.api2(found.spec.permissions, params);
      if (found.spec.proxyto && params[found.spec.proxyto] !== host.name) {
        const node = perlString(params[found.spec.proxyto]);
        throw new PerlDie(
          `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known\n`,
        );
      }
      const unmodeled = Object.keys(params).filter((k) => isUnmodeled(found.spec, k));
      if (unmodeled.length) {
        return done(jsonAnswer(
          501,
          `lab: ${found.key} parameter '${unmodeled[0]}' is valid in Proxmox VE but not emulated ` +
            `(model it in lab/proxmox/api_model_gen.ts)\n`,
          { data: null },
        ));
      }
      normalizeListParams(found.spec, params);
      const errors = validateParams(found.spec, params);
      if (Object.keys(errors).length) throw paramException(errors);
      await host.delay("apiCall", host.closing);
      let total: number | undefined;
      const data = await handlers[found.key]({
        authid,
        params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, perlString(v)])),
        perms,
        host,
        setTotal: (n) => total = n,
      });
      host.save();
      return done(jsonAnswer(200, undefined, { data: data ?? null, ...(total ? { total } : {}) }));
    } catch (err) {
      return done(errorAnswer(err));
    }
  };
}

/** `extract_params`: the body (form or JSON) for POST/PUT, then the query string on top. */
function extractParams(req: RawRequest): Record<string, unknown> {
  let params: Record<string, unknown> = {};
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (req.body.length) {
    if (req.method !== "POST" && req.method !== "PUT") {
      throw new PerlDie(`501 Unexpected content for method '${req.method}'`);
    }
    if (type && type !== "application/x-www-form-urlencoded" && type !== "application/json") {
      throw new PerlDie(`506 upload 'Content-Type '${req.headers.get("content-type")}' not implemented`);
    }
  }
  if (req.method === "POST" || req.method === "PUT") {
    const text = new TextDecoder().decode(req.body);
    if (type === "application/json") {
      const decoded = JSON.parse(text);
      if (decoded === null || typeof decoded !== "object" || Array.isArray(decoded)) {
        throw new Error("lab: a JSON body must be an object");
      }
      params = decoded;
    } else {
      params = decodeUrlencoded(text);
    }
  }
  Object.assign(params, decodeUrlencoded(req.url.search.slice(1)));
  delete params._dc;
  return params;
}

/** RESTHandler's legacy normalization: an array for a `-list` string format is joined with commas. */
function normalizeListParams(spec: EndpointSpec, params: Record<string, unknown>) {
  for (const [k, v] of Object.entries(params)) {
    const format = spec.params[k]?.format;
    if (
      Array.isArray(v) && spec.params[k]?.type === "string" && typeof format === "string" &&
      format.endsWith("-list")
    ) {
      params[k] = v.join(",");
    }
  }
}

function isUnmodeled(spec: EndpointSpec, name: string): boolean {
  return (spec.unmodeled ?? []).some((u) =>
    u === name || (u.endsWith("[n]") && new RegExp(`^${u.slice(0, -3)}\\d+$`).test(name))
  );
}

type AuthFailure = { reason: string };

/**
 * Ticket cookies cannot be verified (the lab issues none); API tokens are checked against the access
 * model at the lab's time. PVE logs the real reason and answers "Authentication failed!".
 */
function authenticate(headers: Headers, host: HostRuntime): string | AuthFailure {
  const cookie = /(?:^|\s)PVEAuthCookie(?:=| )([^;]*)/;
  if (cookie.test(headers.get("cookie") ?? "") || cookie.test(headers.get("authorization") ?? "")) {
    return { reason: "Authentication failed!" };
  }
  const result = verifyApiToken(host.access(), headers.get("authorization"), host.clock.now());
  if ("authid" in result) return result.authid;
  return { reason: result.error === "No ticket" ? "No ticket" : "Authentication failed!" };
}

/** What PVE sends for an exception: its code (500 for a plain die), message and errors. */
export function errorAnswer(err: unknown): RawResponse {
  if (err instanceof PveException) {
    return jsonAnswer(err.code ?? 500, err.msg, {
      data: null,
      ...(err.errors ? { errors: err.errors } : {}),
    });
  }
  if (err instanceof PerlDie) return jsonAnswer(500, err.text, { data: null });
  return jsonAnswer(500, `lab: internal error: ${(err as Error)?.stack ?? err}\n`, { data: null });
}

/** The transient failures a real PVE host produces under load, in turn: 503, 595, a config lock timeout. */
function injectedError(path: string, turn: number): RawResponse {
  const vmid = /\/qemu\/(\d+)/.exec(path)?.[1];
  const kind = turn % (vmid ? 3 : 2);
  if (kind === 0) return plainError(503, "Service Unavailable");
  if (kind === 1) return plainError(595, "Errors during connection establishment, proxy handler");
  return jsonAnswer(500, `can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout\n`, {
    data: null,
  });
}
