/**
 * The Kubernetes API over HTTP, as a request handler: `(Request, user) → Response`. It serves
 * health and version, discovery (legacy and aggregated), and the REST verbs on every served
 * resource (get, list, watch, create, update, patch incl. server-side apply, delete,
 * deletecollection, and the status, scale, finalize, binding and log subresources), with tables,
 * selectors, pagination, dry runs and field validation, answering errors with real `Status`
 * objects. TLS and client-certificate authentication live in the server that calls it.
 *
 * @example
 * ```ts
 * const api = new KubeApi({ cluster, gitVersion: "v1.33.4", serverAddress: "10.0.3.10:6443" });
 * const res = await api.handle(new Request("https://x/api/v1/namespaces"), { name: "admin", groups: ["system:masters"] });
 * ```
 */
import { createHash } from "node:crypto";
import type { Faults } from "../faults.ts";
import { type LatencyProfile, pick } from "../profile.ts";
import type { Trace } from "../trace.ts";
import { authorizePath, authorizeResource } from "./authorize.ts";
import type { DeleteOptions, FieldValidation, KubeCluster, PatchType, WriteOptions } from "./cluster.ts";
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions } from "./discovery.ts";
import { decodeBody, errorResponse, jsonResponse, negotiate, type Representation } from "./http.ts";
import { groupResource, type ResourceType } from "./resources/resource.ts";
import { crdSchemas, openApiGroupVersion, openApiRoot } from "./openapi.ts";
import { parseApiPath, type ResourcePath } from "./route.ts";
import { type FieldRequirement, parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import { ApiError, FieldError } from "./status.ts";
import { type IncludeObject, partialMetadata, toTable } from "./table.ts";
import { apiVersionOf, clone, isObject, type KubeObject, type UserInfo } from "./types.ts";
import { watchStream } from "./watch.ts";

/** Thrown when a fault says to drop the connection without an answer. */
export class DropConnection extends Error {}

export interface KubeApiOptions {
  cluster: KubeCluster;
  /** e.g. "v1.33.4". */
  gitVersion: string;
  /** The address clients reach the API on, for `/api` (e.g. "10.0.3.10:6443"). */
  serverAddress: string;
  profile?: LatencyProfile;
  random?: () => number;
  faults?: Faults;
  trace?: Trace;
  /** Name of the emulated host for the trace. */
  host?: string;
  /** Container logs by "namespace/pod/container" (the simulated kubelets write them). */
  logs?: Map<string, string>;
}

const PATCH_TYPES: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
};

/** The Talos-shipped kube-apiserver's build info for a version. */
export function versionInfo(gitVersion: string): Record<string, string> {
  const m = /^v(\d+)\.(\d+)\./.exec(gitVersion) ?? ["", "1", "33"];
  return {
    major: m[1],
    minor: m[2],
    emulationMajor: m[1],
    emulationMinor: m[2],
    minCompatibilityMajor: m[1],
    minCompatibilityMinor: String(Number(m[2]) - 1),
    gitVersion,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2025-08-12T00:00:00Z",
    goVersion: "go1.24.5",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

const HEALTH_CHECKS = [
  "ping",
  "log",
  "etcd",
  "etcd-readiness",
  "informer-sync",
  "poststarthook/start-apiserver-admission-initializer",
  "poststarthook/generic-apiserver-start-informers",
  "poststarthook/crd-informer-synced",
  "poststarthook/rbac/bootstrap-roles",
  "poststarthook/bootstrap-controller",
  "shutdown",
];

export class KubeApi {
  readonly cluster: KubeCluster;
  #opts: KubeApiOptions;

  constructor(opts: KubeApiOptions) {
    this.cluster = opts.cluster;
    this.#opts = opts;
  }

  /** Answers one request from an authenticated `user`. */
  async handle(req: Request, user: UserInfo): Promise<Response> {
    const url = new URL(req.url);
    const started = this.cluster.now();
    let res: Response;
    try {
      const fault = this.#opts.faults?.next() ?? { kind: "none" };
      if (fault.kind === "drop") throw new DropConnection("fault: connection dropped");
      if (fault.kind === "spike") await this.cluster.clock.sleep(fault.ms);
      if (fault.kind === "error") {
        throw new ApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request");
      }
      if (this.#opts.profile) {
        await this.cluster.clock.sleep(pick(this.#opts.profile.apiCall, this.#opts.random ?? Math.random));
      }
      res = await this.#route(req, url, user);
    } catch (err) {
      if (err instanceof DropConnection) {
        this.#record(req, url, "dropped", started);
        throw err;
      }
      res = err instanceof ApiError
        ? errorResponse(err)
        : errorResponse(ApiError.internal(String((err as Error)?.message ?? err)));
      if (!(err instanceof ApiError)) console.error("kube emulator:", err);
    }
    this.#record(req, url, res.status, started);
    return res;
  }

  #record(req: Request, url: URL, status: number | string, at: number): void {
    this.#opts.trace?.record({
      system: "kube",
      method: req.method,
      path: url.pathname,
      params: Object.fromEntries(url.searchParams),
      status,
      at,
      host: this.#opts.host,
    });
  }

  async #route(req: Request, url: URL, user: UserInfo): Promise<Response> {
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const verb = req.method === "GET" || req.method === "HEAD" ? "get" : req.method.toLowerCase();
    if (path === "/version") {
      authorizePath(this.cluster, user, verb, path);
      return jsonResponse(versionInfo(this.#opts.gitVersion));
    }
    for (const h of ["/healthz", "/readyz", "/livez"]) {
      if (path === h || path.startsWith(`${h}/`)) {
        authorizePath(this.cluster, user, verb, path);
        if (url.searchParams.has("verbose")) {
          const lines = HEALTH_CHECKS.map((c) => `[+]${c} ok`).join("\n");
          return text(`${lines}\n${h.slice(1)} check passed\n`);
        }
        return text("ok");
      }
    }
    if (path === "/openapi/v3" || path.startsWith("/openapi/v3/")) {
      authorizePath(this.cluster, user, verb, path);
      return this.#openApi(path);
    }
    if (path.startsWith("/openapi")) {
      // only v3 is modelled (kubectl ≥ 1.27 reads v3 and needs nothing from v2)
      authorizePath(this.cluster, user, verb, path);
      return notFoundPage();
    }
    const api = parseApiPath(path);
    if (api.kind !== "resource") {
      if (req.method !== "GET") return notFoundPage();
      authorizePath(this.cluster, user, "get", path);
      return this.#discovery(api, req);
    }
    return await this.#resource(req, url, user, api.path);
  }

  #openApiDoc(group: string, version: string): string | undefined {
    const crds = crdSchemas(this.cluster.store.list("apiextensions.k8s.io", "customresourcedefinitions"));
    const doc = openApiGroupVersion(this.cluster.registry, group, version, this.#opts.gitVersion, crds);
    return doc ? JSON.stringify(doc) : undefined;
  }

  #openApi(path: string): Response {
    if (path === "/openapi/v3") {
      const root = openApiRoot(
        this.cluster.registry,
        (g, v) => createHash("sha512").update(this.#openApiDoc(g, v) ?? "").digest("hex").toUpperCase(),
      );
      return jsonResponse(root);
    }
    const rest = path.slice("/openapi/v3/".length).split("/");
    const [group, version] = rest[0] === "api" && rest.length === 2
      ? ["", rest[1]]
      : rest[0] === "apis" && rest.length === 3
      ? [rest[1], rest[2]]
      : [undefined, undefined];
    const doc = group === undefined ? undefined : this.#openApiDoc(group, version!);
    if (!doc) return notFoundPage();
    return new Response(doc, {
      status: 200,
      headers: {
        "content-type": "application/json",
        "cache-control": "public, immutable",
        "etag": `"${createHash("sha512").update(doc).digest("hex").toUpperCase()}"`,
      },
    });
  }

  #discovery(api: ReturnType<typeof parseApiPath>, req: Request): Response {
    const reg = this.cluster.registry;
    const accept = req.headers.get("accept");
    switch (api.kind) {
      case "core-root":
      case "groups-root": {
        const rep = negotiate(accept, { discovery: true });
        if (rep.as === "APIGroupDiscoveryList") {
          return jsonResponse(
            aggregatedDiscovery(reg, api.kind === "core-root" ? "api" : "apis", rep.version),
            200,
            [],
            `application/json;g=apidiscovery.k8s.io;v=${rep.version};as=APIGroupDiscoveryList`,
          );
        }
        return jsonResponse(
          api.kind === "core-root" ? apiVersions(this.#opts.serverAddress) : apiGroupList(reg),
        );
      }
      case "group": {
        negotiate(accept, {});
        const g = apiGroup(reg, api.group);
        return g ? jsonResponse(g) : notFoundPage();
      }
      case "group-version": {
        negotiate(accept, {});
        const list = apiResourceList(reg, api.group, api.version);
        return list ? jsonResponse(list) : notFoundPage();
      }
      default:
        return notFoundPage();
    }
  }

  async #resource(req: Request, url: URL, user: UserInfo, p: ResourcePath): Promise<Response> {
    const cluster = this.cluster;
    if (!cluster.registry.servesGroupVersion(p.group, p.version)) return notFoundPage();
    const rt = cluster.registry.find(p.group, p.version, p.resource);
    if (!rt) throw ApiError.pageNotFound();
    const namespaced = p.namespace !== undefined;
    if (namespaced && !rt.namespaced) throw ApiError.pageNotFound();
    const q = url.searchParams;
    const method = req.method;
    let verb: string;
    if (method === "GET" || method === "HEAD") {
      verb = p.name ? "get" : isTrue(q.get("watch")) ? "watch" : "list";
    } else if (method === "POST") verb = "create";
    else if (method === "PUT") verb = "update";
    else if (method === "PATCH") verb = "patch";
    else if (method === "DELETE") verb = p.name ? "delete" : "deletecollection";
    else throw methodNotAllowed();
    if (p.subresource) {
      const sub = rt.subresources.find((s) => s.name === p.subresource);
      if (!sub || !p.name) throw ApiError.pageNotFound();
      if (!sub.verbs.includes(verb === "get" ? "get" : verb)) {
        throw ApiError.methodNotSupported(groupResource(rt), verb);
      }
    } else {
      if (!rt.verbs.includes(verb)) throw ApiError.methodNotSupported(groupResource(rt), verb);
      if (p.name && verb === "create") throw methodNotAllowed();
      if (!p.name && (verb === "update" || verb === "patch")) throw methodNotAllowed();
    }
    const namespace = rt.namespaced ? (p.namespace ?? "") : "";
    if (rt.namespaced && !namespaced && !["list", "watch", "deletecollection"].includes(verb)) {
      throw ApiError.pageNotFound();
    }
    authorizeResource(cluster, user, {
      verb,
      group: rt.group,
      resource: rt.plural,
      subresource: p.subresource,
      namespace: namespace || undefined,
      name: p.name,
    });
    const version = p.version;
    const write: WriteOptions = {
      manager: q.get("fieldManager") ?? managerFromUserAgent(req.headers.get("user-agent")),
      dryRun: parseDryRun(q),
      fieldValidation: parseFieldValidation(q),
      subresource: p.subresource,
      version,
    };

    switch (verb) {
      case "get":
        if (p.subresource === "log") return this.#log(rt, namespace, p.name!, q);
        if (p.subresource === "scale") {
          return jsonResponse(this.#scale(rt, cluster.get(rt, namespace, p.name!)));
        }
        return this.#single(rt, cluster.get(rt, namespace, p.name!), version, req, q);
      case "list":
        return this.#list(rt, namespace, version, req, q);
      case "watch":
        return this.#watch(rt, namespace, version, req, q);
      case "create": {
        if (p.subresource === "binding") return this.#bind(rt, namespace, p.name!, await req.text(), req);
        if (p.subresource === "eviction") {
          cluster.delete(rt, namespace, p.name!, {});
          return jsonResponse({
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Success",
            code: 201,
          }, 201);
        }
        const body = decodeBody(await req.text(), req.headers.get("content-type"));
        const r = cluster.create(rt, namespace, body, write);
        return this.#written(rt, r.object, version, req, q, 201, r.warnings);
      }
      case "update": {
        const body = decodeBody(await req.text(), req.headers.get("content-type"));
        if (p.subresource === "scale") {
          return jsonResponse(this.#setScale(rt, namespace, p.name!, body, write));
        }
        if (p.subresource === "finalize") {
          const ns = cluster.get(rt, "", p.name!);
          const next = clone(ns);
          next.spec = { ...(ns.spec ?? {}), finalizers: (body as KubeObject)?.spec?.finalizers ?? [] };
          const r = cluster.update(rt, "", p.name!, next, { ...write, subresource: undefined });
          return this.#written(rt, r.object, version, req, q, 200, r.warnings);
        }
        const r = cluster.update(rt, namespace, p.name!, body, write);
        return this.#written(rt, r.object, version, req, q, r.created ? 201 : 200, r.warnings);
      }
      case "patch": {
        const ctype = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
        const type = PATCH_TYPES[ctype];
        if (!type || (type === "strategic" && !rt.builtin)) {
          throw ApiError.unsupportedMediaType(ctype, [
            "application/json-patch+json",
            "application/merge-patch+json",
            "application/apply-patch+yaml",
            ...(rt.builtin ? ["application/strategic-merge-patch+json"] : []),
          ]);
        }
        const force = isTrue(q.get("force"));
        if (q.has("force") && type !== "apply") {
          throw ApiError.badRequest("force flag is not allowed for non-apply patches");
        }
        const bodyText = await req.text();
        if (p.subresource === "scale") {
          return jsonResponse(this.#patchScale(rt, namespace, p.name!, type, bodyText, write));
        }
        const writeOpts = {
          ...write,
          force,
          manager: q.get("fieldManager") ?? (type === "apply" ? "" : write.manager),
        };
        const r = cluster.patch(rt, namespace, p.name!, type, bodyText, writeOpts);
        return this.#written(rt, r.object, version, req, q, r.created ? 201 : 200, r.warnings);
      }
      case "delete": {
        const opts = await deleteOptions(req, q);
        const r = cluster.delete(rt, namespace, p.name!, opts);
        if (r.deleted && !cluster.returnsDeletedObject(rt)) {
          return jsonResponse({
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Success",
            details: {
              name: p.name,
              ...(rt.group ? { group: rt.group } : {}),
              kind: rt.plural,
              uid: r.object.metadata.uid,
            },
          });
        }
        const orphanFalse = q.get("orphanDependents") === "false";
        return this.#written(rt, r.object, version, req, q, !r.deleted && orphanFalse ? 202 : 200, []);
      }
      case "deletecollection": {
        const opts = await deleteOptions(req, q);
        const match = this.#matcher(rt, namespace, q);
        const deleted: KubeObject[] = [];
        for (const obj of cluster.list(rt, namespace || undefined)) {
          if (!match(obj)) continue;
          deleted.push(cluster.delete(rt, obj.metadata.namespace ?? "", obj.metadata.name!, opts).object);
        }
        return jsonResponse(
          this.#listBody(rt, deleted, version, { resourceVersion: String(cluster.store.resourceVersion) }),
        );
      }
    }
    throw methodNotAllowed();
  }

  #matcher(rt: ResourceType, namespace: string, q: URLSearchParams): (o: KubeObject) => boolean {
    const labels = parseLabelSelector(q.get("labelSelector"));
    const fields = parseFieldSelector(q.get("fieldSelector"));
    const getters = fields.map((f) => fieldGetter(rt, f));
    return (o) =>
      (!namespace || o.metadata.namespace === namespace) &&
      labels.matches(o.metadata.labels) &&
      fields.every((f, i) => {
        const v = getters[i](o) ?? "";
        return f.op === "=" ? v === f.value : v !== f.value;
      });
  }

  #listBody(
    rt: ResourceType,
    items: KubeObject[],
    version: string,
    meta: Record<string, unknown>,
  ): KubeObject {
    return {
      kind: rt.listKind,
      apiVersion: apiVersionOf(rt.group, version),
      metadata: meta,
      items: items.map((o) => {
        const x = this.cluster.present(rt, o, version);
        if (!rt.listItemsHaveKind) {
          delete x.kind;
          delete x.apiVersion;
        }
        return x;
      }),
    } as unknown as KubeObject;
  }

  #list(rt: ResourceType, namespace: string, version: string, req: Request, q: URLSearchParams): Response {
    const rep = negotiate(req.headers.get("accept"), { object: true });
    const store = this.cluster.store;
    const rv = q.get("resourceVersion");
    if (rv && rv !== "0" && Number(rv) > store.resourceVersion) {
      throw new ApiError(
        504,
        "Timeout",
        `Too large resource version: ${rv}, current: ${store.resourceVersion}`,
        {
          causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
          retryAfterSeconds: 1,
        },
      );
    }
    const match = this.#matcher(rt, namespace, q);
    // select from the stored objects, then copy only what is answered
    let items = this.cluster.scan(rt, namespace || undefined).filter(match).map((o) => clone(o));
    const meta: Record<string, unknown> = { resourceVersion: String(store.resourceVersion) };
    const cont = q.get("continue");
    if (cont) {
      const start = decodeContinue(cont);
      items = items.filter((o) => `${o.metadata.namespace ?? ""}/${o.metadata.name}` > start);
    }
    const limit = Number(q.get("limit") ?? 0);
    if (limit > 0 && items.length > limit) {
      const last = items[limit - 1];
      meta.continue = encodeContinue(
        store.resourceVersion,
        `${last.metadata.namespace ?? ""}/${last.metadata.name}`,
      );
      meta.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
    if (rep.as === "Table") {
      return jsonResponse(
        toTable(
          rt,
          items.map((o) => this.cluster.present(rt, o, version)),
          meta,
          includeObject(q),
          this.cluster.now(),
          rep.version,
        ),
      );
    }
    if (rep.as === "PartialObjectMetadata") {
      return jsonResponse({
        kind: "PartialObjectMetadataList",
        apiVersion: `meta.k8s.io/${rep.version}`,
        metadata: meta,
        items: items.map((o) => partialMetadata(this.cluster.present(rt, o, version), rep.version)),
      });
    }
    return jsonResponse(this.#listBody(rt, items, version, meta));
  }

  #single(rt: ResourceType, obj: KubeObject, version: string, req: Request, q: URLSearchParams): Response {
    return this.#written(rt, obj, version, req, q, 200, []);
  }

  #written(
    rt: ResourceType,
    obj: KubeObject,
    version: string,
    req: Request,
    q: URLSearchParams,
    status: number,
    warnings: string[],
  ): Response {
    const rep = negotiate(req.headers.get("accept"), { object: true });
    const o = this.cluster.present(rt, obj, version);
    return jsonResponse(this.#represent(rt, o, rep, q, true), status, warnings);
  }

  #represent(
    rt: ResourceType,
    o: KubeObject,
    rep: Representation,
    q: URLSearchParams,
    columns: boolean,
  ): unknown {
    if (rep.as === "Table") {
      return toTable(
        rt,
        [o],
        { resourceVersion: o.metadata.resourceVersion },
        includeObject(q),
        this.cluster.now(),
        rep.version,
        columns,
      );
    }
    if (rep.as === "PartialObjectMetadata") return partialMetadata(o, rep.version);
    return o;
  }

  #watch(rt: ResourceType, namespace: string, version: string, req: Request, q: URLSearchParams): Response {
    const rep = negotiate(req.headers.get("accept"), { object: true });
    const match = this.#matcher(rt, namespace, q);
    const timeout = q.get("timeoutSeconds");
    const body = watchStream(this.cluster, {
      rt,
      version,
      match,
      resourceVersion: q.get("resourceVersion") ?? undefined,
      allowBookmarks: isTrue(q.get("allowWatchBookmarks")),
      sendInitialEvents: q.has("sendInitialEvents") ? isTrue(q.get("sendInitialEvents")) : undefined,
      timeoutSeconds: timeout ? Number(timeout) : undefined,
      encode: (o, first) => this.#represent(rt, o, rep, q, first),
    });
    const h = new Headers({
      "content-type": "application/json",
      "cache-control": "no-cache, private",
      "transfer-encoding": "chunked",
      "audit-id": crypto.randomUUID(),
    });
    return new Response(body, { status: 200, headers: h });
  }

  #scale(_rt: ResourceType, obj: KubeObject): KubeObject {
    const sel = obj.spec?.selector;
    const selector = isObject(sel?.matchLabels)
      ? Object.entries(sel.matchLabels).map(([k, v]) => `${k}=${v}`).join(",")
      : "";
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: obj.spec?.replicas ?? 0 },
      status: { replicas: obj.status?.replicas ?? 0, selector },
    };
  }

  #setScale(
    rt: ResourceType,
    namespace: string,
    name: string,
    body: unknown,
    write: WriteOptions,
  ): KubeObject {
    const replicas = (body as KubeObject)?.spec?.replicas;
    if (typeof replicas !== "number" || replicas < 0) {
      throw ApiError.invalid({ group: "autoscaling", kind: "Scale" }, name, [
        FieldError.invalid("spec.replicas", replicas ?? null, "must be greater than or equal to 0"),
      ]);
    }
    const rv = (body as KubeObject)?.metadata?.resourceVersion;
    const patch = JSON.stringify({
      spec: { replicas },
      ...(rv ? { metadata: { resourceVersion: rv } } : {}),
    });
    const r = this.cluster.patch(rt, namespace, name, "merge", patch, { ...write, subresource: undefined });
    return this.#scale(rt, r.object);
  }

  #patchScale(
    rt: ResourceType,
    namespace: string,
    name: string,
    type: PatchType,
    body: string,
    write: WriteOptions,
  ) {
    const current = this.#scale(rt, this.cluster.get(rt, namespace, name));
    let patched: KubeObject;
    const parsed = JSON.parse(body);
    if (type === "json") {
      patched = (parsed as { op: string; path: string; value: unknown }[]).reduce((acc, op) => {
        if (op.path === "/spec/replicas" && (op.op === "replace" || op.op === "add")) {
          acc.spec.replicas = op.value;
        }
        return acc;
      }, clone(current));
    } else patched = { ...current, spec: { ...current.spec, ...(parsed?.spec ?? {}) } };
    return this.#setScale(rt, namespace, name, patched, write);
  }

  #bind(rt: ResourceType, namespace: string, name: string, text: string, req: Request): Response {
    const binding = decodeBody(text, req.headers.get("content-type")) as KubeObject;
    const node = binding?.target?.name;
    if (!node) throw ApiError.invalid({ group: "", kind: "Binding" }, name, []);
    const pod = this.cluster.get(rt, namespace, name);
    if (pod.spec?.nodeName) {
      throw ApiError.conflict(
        { group: "", resource: "pods/binding" },
        name,
        `pod ${name} is already assigned to node "${pod.spec.nodeName}"`,
      );
    }
    pod.spec.nodeName = node;
    this.cluster.store.put("", "pods", pod);
    return jsonResponse(
      { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 },
      201,
    );
  }

  #log(rt: ResourceType, namespace: string, name: string, q: URLSearchParams): Response {
    const pod = this.cluster.get(rt, namespace, name);
    const containers = ((pod.spec?.containers ?? []) as { name: string }[]).map((c) => c.name);
    const container = q.get("container") ?? (containers.length === 1 ? containers[0] : undefined);
    if (!container) {
      throw ApiError.badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]`,
      );
    }
    if (!containers.includes(container)) {
      throw ApiError.badRequest(`container ${container} is not valid for pod ${name}`);
    }
    const state =
      ((pod.status?.containerStatuses ?? []) as { name: string; state?: Record<string, unknown> }[])
        .find((s) => s.name === container)?.state;
    if (!state || state.waiting) {
      throw ApiError.badRequest(
        `container "${container}" in pod "${name}" is waiting to start: ContainerCreating`,
      );
    }
    const log = this.#opts.logs?.get(`${namespace}/${name}/${container}`) ?? "";
    return new Response(log, { status: 200, headers: { "content-type": "text/plain" } });
  }
}

function text(body: string, status = 200): Response {
  return new Response(body, {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "x-content-type-options": "nosniff",
      "cache-control": "no-cache, private",
    },
  });
}

/** What the real server's mux answers for paths it does not know. */
function notFoundPage(): Response {
  return text("404 page not found\n", 404);
}

function methodNotAllowed(): ApiError {
  return new ApiError(
    405,
    "MethodNotAllowed",
    "the server does not allow this method on the requested resource",
    {},
  );
}

function isTrue(v: string | null): boolean {
  return v === "true" || v === "1";
}

function parseDryRun(q: URLSearchParams): boolean {
  const values = q.getAll("dryRun");
  for (const v of values) {
    if (v !== "All") {
      throw ApiError.badRequest(`Invalid dry run value: ${JSON.stringify(v)}; valid values are "All"`);
    }
  }
  return values.length > 0;
}

function parseFieldValidation(q: URLSearchParams): FieldValidation {
  const v = q.get("fieldValidation");
  if (v === null || v === "") return "Warn";
  if (v === "Ignore" || v === "Warn" || v === "Strict") return v;
  throw ApiError.badRequest(
    `fieldValidation parameter unsupported: ${v}, valid values are: Ignore, Warn, Strict`,
  );
}

/** The default field manager: the User-Agent up to its first "/" (managedfields.prefixFromUserAgent). */
function managerFromUserAgent(ua: string | null): string {
  const s = (ua ?? "").split("/")[0];
  return s.slice(0, 128) || "unknown";
}

function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get("includeObject");
  return v === "None" || v === "Object" ? v : "Metadata";
}

function fieldGetter(rt: ResourceType, f: FieldRequirement): (o: KubeObject) => string | undefined {
  if (f.field === "metadata.name") return (o) => o.metadata.name;
  if (f.field === "metadata.namespace") return (o) => o.metadata.namespace ?? "";
  const g = rt.fieldSelectors[f.field];
  if (!g) {
    throw ApiError.badRequest(rt.unsupportedField?.(f.field) ?? `field label not supported: ${f.field}`);
  }
  return g;
}

function encodeContinue(rv: number, start: string): string {
  return btoa(JSON.stringify({ v: "meta.k8s.io/v1", rv, start: `${start}\u0000` }))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function decodeContinue(token: string): string {
  try {
    const b64 = token.replaceAll("-", "+").replaceAll("_", "/");
    const v = JSON.parse(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)));
    if (v.v !== "meta.k8s.io/v1" || typeof v.start !== "string") throw new Error("bad version");
    return v.start.endsWith("\u0000") ? v.start.slice(0, -1) : v.start;
  } catch {
    throw ApiError.badRequest(
      "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
    );
  }
}

async function deleteOptions(req: Request, q: URLSearchParams): Promise<DeleteOptions> {
  const opts: DeleteOptions = {};
  const text = await req.text();
  if (text.trim()) {
    const body = decodeBody(text, req.headers.get("content-type")) as Record<string, unknown>;
    if (isObject(body)) {
      if (body.propagationPolicy) {
        opts.propagationPolicy = body.propagationPolicy as DeleteOptions["propagationPolicy"];
      }
      if (typeof body.gracePeriodSeconds === "number") opts.gracePeriodSeconds = body.gracePeriodSeconds;
      if (isObject(body.preconditions)) {
        opts.preconditions = body.preconditions as DeleteOptions["preconditions"];
      }
      if (body.orphanDependents === true) opts.propagationPolicy ??= "Orphan";
      if (Array.isArray(body.dryRun) && body.dryRun.includes("All")) opts.dryRun = true;
    }
  }
  const pp = q.get("propagationPolicy");
  if (pp) {
    if (!["Foreground", "Background", "Orphan"].includes(pp)) {
      throw ApiError.badRequest(
        `propagationPolicy: Unsupported value: "${pp}": supported values: "Foreground", "Background", "Orphan"`,
      );
    }
    opts.propagationPolicy = pp as DeleteOptions["propagationPolicy"];
  }
  const grace = q.get("gracePeriodSeconds");
  if (grace !== null) opts.gracePeriodSeconds = Number(grace);
  if (q.get("orphanDependents") === "true") opts.propagationPolicy ??= "Orphan";
  if (q.getAll("dryRun").includes("All")) opts.dryRun = true;
  return opts;
}
