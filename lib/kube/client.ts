/**
 * A small Kubernetes client for strata's layers, on `@kubernetes/client-node`'s KubeConfig and
 * transport: discovery of resources by apiVersion and kind (cached, refreshed when a CRD adds a
 * kind), get/list/create/delete, server-side apply (field manager `strata`, force only when
 * asked), and watches as async streams of events. Objects stay plain JSON.
 *
 * @example
 * ```ts
 * const kube = await KubeClient.fromKubeconfig(text, { clock });
 * await kube.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "default" }, data: {} });
 * ```
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { Clock } from "../clock/clock.ts";
import { StrataError } from "../errors.ts";
import { loadKubeconfig, type LoadKubeconfigOptions } from "./kubeconfig.ts";
import { isNotFound, KubeApiError, KubeTransport } from "./transport.ts";

/** A Kubernetes object as JSON: any kind, so its fields are loosely typed. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  // deno-lint-ignore no-explicit-any
  metadata: Record<string, any>;
  // deno-lint-ignore no-explicit-any
  [k: string]: any;
};

/** Which object: apiVersion, kind, name and (for namespaced kinds) namespace. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export function refOf(obj: KubeObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata?.name,
    namespace: obj.metadata?.namespace,
  };
}

/** "deployment.apps/web in kube-system", as kubectl names objects. */
export function describeRef(ref: ObjectRef): string {
  const group = ref.apiVersion.includes("/") ? ref.apiVersion.split("/")[0] : "";
  const kind = group ? `${ref.kind.toLowerCase()}.${group}` : ref.kind.toLowerCase();
  return `${kind}/${ref.name}${ref.namespace ? ` in ${ref.namespace}` : ""}`;
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/** A watch event. */
export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: KubeObject;
}

export interface ApplyResult {
  ref: ObjectRef;
  action: "created" | "configured" | "unchanged";
  object: KubeObject;
  warnings: string[];
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  signal?: AbortSignal;
}

export class KubeClient {
  readonly transport: KubeTransport;
  readonly clock: Clock;
  #resources = new Map<string, ApiResource[]>();
  #discovering = new Map<string, Promise<ApiResource[]>>();
  #generation = 0;

  constructor(kubeConfig: KubeConfig, opts: { clock: Clock }) {
    this.transport = new KubeTransport(kubeConfig);
    this.clock = opts.clock;
  }

  static async fromKubeconfig(
    text: string,
    opts: { clock: Clock } & LoadKubeconfigOptions,
  ): Promise<KubeClient> {
    return new KubeClient(await loadKubeconfig(text, opts), opts);
  }

  /** Forgets cached discovery (after CRDs changed). */
  refreshDiscovery(): void {
    this.#resources.clear();
    this.#discovering.clear();
    this.#generation++;
  }

  #resourcesOf(apiVersion: string, signal?: AbortSignal): Promise<ApiResource[]> {
    const cached = this.#resources.get(apiVersion);
    if (cached) return Promise.resolve(cached);
    // concurrent requests (applyManifests' parallel applies) share one discovery request
    let pending = this.#discovering.get(apiVersion);
    if (!pending) {
      const p: Promise<ApiResource[]> = this.#discover(apiVersion, signal).finally(() => {
        if (this.#discovering.get(apiVersion) === p) this.#discovering.delete(apiVersion);
      });
      this.#discovering.set(apiVersion, pending = p);
    }
    return pending;
  }

  async #discover(apiVersion: string, signal?: AbortSignal): Promise<ApiResource[]> {
    const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const generation = this.#generation;
    try {
      const res = await this.transport.request("GET", path, { signal, action: `discover ${apiVersion}` });
      const list = ((res.body as { resources?: ApiResource[] }).resources ?? []).filter((r) =>
        !r.name.includes("/")
      );
      // an answer from before refreshDiscovery is used once but not kept
      if (generation === this.#generation) this.#resources.set(apiVersion, list);
      return list;
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404) return [];
      throw err;
    }
  }

  /** The resource (plural, scope) of a kind; refreshes discovery once when unknown. */
  async resourceFor(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ApiResource> {
    let r = (await this.#resourcesOf(apiVersion, signal)).find((x) => x.kind === kind);
    if (!r) {
      this.#resources.delete(apiVersion);
      r = (await this.#resourcesOf(apiVersion, signal)).find((x) => x.kind === kind);
    }
    if (!r) {
      throw new StrataError(
        `the Kubernetes API has no kind ${kind} in ${apiVersion}`,
        1,
        "check apiVersion and kind; for a custom resource, install its CustomResourceDefinition first",
      );
    }
    return r;
  }

  /** The REST path of an object or (without a name) its collection. */
  async pathOf(ref: Omit<ObjectRef, "name"> & { name?: string }, signal?: AbortSignal): Promise<string> {
    const r = await this.resourceFor(ref.apiVersion, ref.kind, signal);
    const base = ref.apiVersion.includes("/") ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
    if (r.namespaced && !ref.namespace && ref.name) {
      throw new StrataError(
        `${describeRef({ ...ref, name: ref.name })}: a namespaced ${ref.kind} needs metadata.namespace`,
        2,
      );
    }
    const ns = r.namespaced && ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : "";
    return `${base}${ns}/${r.name}${ref.name ? `/${encodeURIComponent(ref.name)}` : ""}`;
  }

  /** The object, or undefined when it does not exist. */
  async get(ref: ObjectRef, signal?: AbortSignal): Promise<KubeObject | undefined> {
    try {
      const res = await this.transport.request("GET", await this.pathOf(ref, signal), {
        signal,
        action: `get ${describeRef(ref)}`,
      });
      return res.body as KubeObject;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(
    apiVersion: string,
    kind: string,
    opts: ListOptions = {},
  ): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const path = await this.pathOf({ apiVersion, kind, namespace: opts.namespace }, opts.signal);
    const res = await this.transport.request("GET", path, {
      query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
      signal: opts.signal,
      action: `list ${kind}${opts.namespace ? ` in ${opts.namespace}` : ""}`,
    });
    const body = res.body as { items?: KubeObject[]; metadata?: { resourceVersion?: string } };
    const items = (body.items ?? []).map((o) => ({ ...o, apiVersion, kind }));
    return { items, resourceVersion: body.metadata?.resourceVersion ?? "" };
  }

  async create(obj: KubeObject, signal?: AbortSignal): Promise<KubeObject> {
    const ref = refOf(obj);
    const path = await this.pathOf({ ...ref, name: undefined }, signal);
    const res = await this.transport.request("POST", path, {
      body: obj,
      query: { fieldManager: "strata" },
      signal,
      action: `create ${describeRef(ref)}`,
    });
    return res.body as KubeObject;
  }

  /** Deletes an object; true when it existed. Background propagation unless told otherwise. */
  async delete(
    ref: ObjectRef,
    opts: {
      propagationPolicy?: "Background" | "Foreground" | "Orphan";
      gracePeriodSeconds?: number;
      signal?: AbortSignal;
    } = {},
  ): Promise<boolean> {
    try {
      await this.transport.request("DELETE", await this.pathOf(ref, opts.signal), {
        body: {
          kind: "DeleteOptions",
          apiVersion: "v1",
          propagationPolicy: opts.propagationPolicy ?? "Background",
          ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
        },
        signal: opts.signal,
        action: `delete ${describeRef(ref)}`,
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Server-side apply of one object (field manager `strata`; `force` takes conflicting fields). */
  async apply(
    obj: KubeObject,
    opts: { force?: boolean; fieldManager?: string; signal?: AbortSignal } = {},
  ): Promise<ApplyResult> {
    const ref = refOf(obj);
    if (!ref.name) throw new StrataError(`${obj.kind}: metadata.name is required to apply`, 2);
    const path = await this.pathOf(ref, opts.signal);
    const before = await this.get(ref, opts.signal);
    const res = await this.transport.request("PATCH", path, {
      body: obj,
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: opts.fieldManager ?? "strata", force: opts.force ? true : undefined },
      signal: opts.signal,
      action: `apply ${describeRef(ref)}`,
    });
    const after = res.body as KubeObject;
    const action = !before
      ? "created"
      : before.metadata.resourceVersion === after.metadata?.resourceVersion
      ? "unchanged"
      : "configured";
    if (obj.kind === "CustomResourceDefinition") this.refreshDiscovery();
    return { ref, action, object: after, warnings: res.warnings };
  }

  /**
   * Watches objects from `resourceVersion` (or from the current state) and yields events until
   * the server ends the stream or `signal` aborts. A 410 Gone arrives as an ERROR event.
   */
  async *watch(
    apiVersion: string,
    kind: string,
    opts: ListOptions & { resourceVersion?: string; allowBookmarks?: boolean; timeoutSeconds?: number } = {},
  ): AsyncGenerator<WatchEvent> {
    const path = await this.pathOf({ apiVersion, kind, namespace: opts.namespace }, opts.signal);
    const body = await this.transport.stream(path, {
      query: {
        watch: 1,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: opts.allowBookmarks ? true : undefined,
        timeoutSeconds: opts.timeoutSeconds,
      },
      signal: opts.signal,
      action: `watch ${kind}${opts.namespace ? ` in ${opts.namespace}` : ""}`,
    });
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += value;
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (!line) continue;
          const e = JSON.parse(line) as WatchEvent;
          if (e.type !== "ERROR" && e.type !== "BOOKMARK") e.object = { ...e.object, apiVersion, kind };
          yield e;
        }
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }
}
