/**
 * The API server's core, without HTTP: the write paths (create, update, patch, server-side apply,
 * delete with finalizers and propagation) with their preconditions, defaulting, validation,
 * managed fields and status-subresource rules, over the {@link KubeStore}. The HTTP handler and
 * the simulated controllers both go through it, so a controller's write obeys the same rules as a
 * client's.
 *
 * @example
 * ```ts
 * const cluster = new KubeCluster({ world, clock, serviceCidr: "10.96.0.0/12", version: "v1.33.4" });
 * const pods = cluster.registry.find("", "v1", "pods")!;
 * cluster.create(pods, "default", podJson, { manager: "kubectl-create" });
 * ```
 */
import { parse as parseYaml } from "yaml";
import type { Clock } from "../../lib/clock/clock.ts";
import type { LabWorld } from "../world.ts";
import { applyConfiguration, type Scope, updateManagedFields } from "./apply/managed.ts";
import { defaultCrd, establishedStatus, resourceFromCrd, validateCrd } from "./crd/crd.ts";
import { validateObjectMeta } from "./names.ts";
import { applyJsonPatch, JsonPatchError } from "./patch/json_patch.ts";
import { applyMergePatch } from "./patch/merge_patch.ts";
import { applyStrategicPatch, StrategicPatchError } from "./patch/strategic.ts";
import { Registry } from "./resources/registry.ts";
import { groupKind, groupResource, type ResourceContext, type ResourceType } from "./resources/resource.ts";
import { ApiError, FieldError } from "./status.ts";
import { KubeStore } from "./store.ts";
import {
  apiVersionOf,
  clone,
  isObject,
  jsonEqual,
  type KubeObject,
  parseApiVersion,
  rfc3339,
} from "./types.ts";

export type FieldValidation = "Ignore" | "Warn" | "Strict";

export interface WriteOptions {
  /** Field manager (for managedFields). */
  manager: string;
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** "status" for the status subresource. */
  subresource?: string;
  /** The version the client speaks (defaults to the preferred one). */
  version?: string;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  created: boolean;
}

export type PatchType = "json" | "merge" | "strategic" | "apply";

export interface DeleteOptions {
  propagationPolicy?: "Foreground" | "Background" | "Orphan";
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface DeleteResult {
  /** The object as it is now: with deletionTimestamp when it waits for finalizers, else as deleted. */
  object: KubeObject;
  /** True when the object is gone. */
  deleted: boolean;
}

const NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";
const IMMORTAL_NAMESPACES = ["default", "kube-system", "kube-public"];

/** Pods and services answer a delete with the object itself (ReturnDeletedObject). */
const RETURNS_DELETED_OBJECT = new Set([
  "/pods",
  "/services",
  "/namespaces",
  "apiextensions.k8s.io/customresourcedefinitions",
]);

export interface KubeClusterOptions {
  world: LabWorld;
  clock: Clock;
  random?: () => number;
  /** The service CIDR ClusterIPs come from. */
  serviceCidr?: string;
}

export class KubeCluster {
  readonly store: KubeStore;
  readonly registry = new Registry();
  readonly clock: Clock;
  readonly #random: () => number;
  readonly #serviceCidr: string;

  constructor(opts: KubeClusterOptions) {
    this.store = new KubeStore(opts.world);
    this.clock = opts.clock;
    this.#random = opts.random ?? Math.random;
    this.#serviceCidr = opts.serviceCidr ?? "10.96.0.0/12";
    // CRDs established in an earlier run are served again
    for (const crd of this.store.list("apiextensions.k8s.io", "customresourcedefinitions")) this.#serve(crd);
  }

  now(): number {
    return this.clock.now();
  }

  // ---- reads ----------------------------------------------------------------------------------

  get(rt: ResourceType, namespace: string, name: string): KubeObject {
    const obj = this.store.get(rt.group, rt.plural, rt.namespaced ? namespace : "", name);
    if (!obj) throw ApiError.notFound(groupResource(rt), name);
    return obj;
  }

  tryGet(rt: ResourceType, namespace: string, name: string): KubeObject | undefined {
    return this.store.get(rt.group, rt.plural, rt.namespaced ? namespace : "", name);
  }

  list(rt: ResourceType, namespace?: string): KubeObject[] {
    return this.store.list(rt.group, rt.plural, rt.namespaced ? namespace : undefined);
  }

  /**
   * The stored object itself, not a copy: for the simulated controllers' reads, which never
   * change what they read (they write through create/update/patch/delete, which copy).
   */
  peek(rt: ResourceType, namespace: string, name: string): KubeObject | undefined {
    return this.store.peek(rt.group, rt.plural, rt.namespaced ? namespace : "", name);
  }

  /** {@link list} without the copies (read-only, as {@link peek}). */
  scan(rt: ResourceType, namespace?: string): KubeObject[] {
    return this.store.scan(rt.group, rt.plural, rt.namespaced ? namespace : undefined);
  }

  /** The resource type by group and plural (controllers use it). */
  resource(group: string, plural: string): ResourceType {
    const rt = this.registry.byPlural(group, plural);
    if (!rt) throw new Error(`kube emulator: no resource ${plural}.${group}`);
    return rt;
  }

  /** An object in the version the client asked for (CRDs with several versions convert with strategy None). */
  present(rt: ResourceType, obj: KubeObject, version?: string): KubeObject {
    const out = obj;
    out.apiVersion = apiVersionOf(rt.group, version ?? rt.versions[0]);
    out.kind = rt.kind;
    return out;
  }

  // ---- writes ---------------------------------------------------------------------------------

  #ctx(): ResourceContext {
    return {
      now: this.now(),
      allocateClusterIp: () => this.#allocateServiceIp(),
      get: (group, resource, namespace, name) => this.store.get(group, resource, namespace, name),
    };
  }

  #allocateServiceIp(): string {
    const [base, bits] = this.#serviceCidr.split("/");
    const start = base.split(".").reduce((n, o) => n * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(bits));
    const used = new Set(
      this.store.scan("", "services").map((s) => s.spec?.clusterIP).filter((ip) => typeof ip === "string"),
    );
    const section = this.store.section;
    let n = section.nextServiceIp ?? 10;
    for (let tries = 0; tries < size; tries++, n++) {
      if (n >= size - 1) n = 10;
      const v = start + n;
      const ip = [24, 16, 8, 0].map((s) => (v >>> s) & 255).join(".");
      if (!used.has(ip)) {
        section.nextServiceIp = n + 1;
        return ip;
      }
    }
    throw ApiError.internal("failed to allocate a serviceIP: range is full");
  }

  /** The service CIDR's first address (the `kubernetes` Service's ClusterIP). */
  firstServiceIp(): string {
    const [base] = this.#serviceCidr.split("/");
    const p = base.split(".").map(Number);
    p[3] += 1;
    return p.join(".");
  }

  /**
   * The decoder's checks: kind and apiVersion default from the URL (create, update), and must
   * match it when present; an apply patch must carry both, at the endpoint's version.
   */
  #checkKind(rt: ResourceType, body: unknown, version: string, apply = false): KubeObject {
    if (!isObject(body)) throw ApiError.badRequest("the body of the request was in an unknown format");
    const obj = body as KubeObject;
    const expected = apiVersionOf(rt.group, version);
    if (apply) {
      if (!obj.kind) throw ApiError.badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
      if (obj.apiVersion !== expected) {
        throw ApiError.badRequest(
          `Incorrect version specified in apply patch. Specified patch version: ${
            obj.apiVersion ?? ""
          }, expected: ${expected}`,
        );
      }
    }
    obj.apiVersion ??= expected;
    obj.kind ??= rt.kind;
    if (obj.apiVersion !== expected) {
      const { group, version: v } = parseApiVersion(obj.apiVersion);
      if (group !== rt.group || !rt.versions.includes(v)) {
        throw ApiError.badRequest(
          `the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`,
        );
      }
    }
    if (obj.kind !== rt.kind) {
      throw ApiError.badRequest(
        `the kind in the data (${obj.kind}) does not match the expected kind (${rt.kind})`,
      );
    }
    if (!isObject(obj.metadata)) obj.metadata = {};
    return obj;
  }

  #checkNamespace(rt: ResourceType, namespace: string, name: string, creating: boolean): void {
    if (!rt.namespaced) return;
    const ns = this.store.peek("", "namespaces", "", namespace);
    if (!ns) throw ApiError.notFound({ group: "", resource: "namespaces" }, namespace);
    if (creating && ns.metadata.deletionTimestamp) {
      const err = ApiError.forbidden(
        groupResource(rt),
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
      err.details!.causes = [{
        reason: "NamespaceTerminating",
        message: `namespace ${namespace} is being terminated`,
        field: "metadata.namespace",
      }];
      throw err;
    }
  }

  /** Prunes, defaults and validates; returns warnings. */
  #admit(
    rt: ResourceType,
    obj: KubeObject,
    old: KubeObject | undefined,
    opts: WriteOptions,
  ): string[] {
    const warnings: string[] = [];
    const errs: FieldError[] = [];
    const version = parseApiVersion(obj.apiVersion ?? "").version || rt.versions[0];
    if (rt.schemaCheck) {
      const r = rt.schemaCheck(obj, version, opts.fieldValidation === "Strict");
      if (r.unknown.length) {
        if (opts.fieldValidation === "Strict") {
          throw ApiError.badRequest(
            `strict decoding error: ${r.unknown.map((u) => `unknown field "${u}"`).join(", ")}`,
          );
        }
        if (opts.fieldValidation !== "Ignore") {
          for (const u of r.unknown) warnings.push(`unknown field "${u}"`);
        }
      }
      errs.push(...r.errors);
    }
    if (rt.group === "apiextensions.k8s.io" && rt.kind === "CustomResourceDefinition") defaultCrd(obj);
    rt.defaults?.(obj, this.#ctx(), old);
    errs.push(...validateObjectMeta(obj.metadata, { namespaced: rt.namespaced, nameRule: rt.nameRule }));
    if (rt.validate) errs.push(...rt.validate(obj, old, this.#ctx()));
    if (rt.group === "apiextensions.k8s.io" && rt.kind === "CustomResourceDefinition") {
      errs.push(...validateCrd(obj, old));
    }
    if (old?.metadata.deletionTimestamp) {
      const added = (obj.metadata.finalizers ?? []).filter((f) =>
        !(old.metadata.finalizers ?? []).includes(f)
      );
      if (added.length) {
        errs.push(
          FieldError.forbidden(
            "metadata.finalizers",
            "no new finalizers can be added if the object is being deleted, found new finalizers " +
              JSON.stringify(added),
          ),
        );
      }
    }
    if (errs.length) throw ApiError.invalid(groupKind(rt), obj.metadata.name ?? "", dedupe(errs));
    return warnings;
  }

  /** POST: creates an object in `namespace` (ignored for cluster-scoped resources). */
  create(rt: ResourceType, namespace: string, body: unknown, opts: WriteOptions): WriteResult {
    return this.#create(rt, namespace, body, opts);
  }

  #create(
    rt: ResourceType,
    namespace: string,
    body: unknown,
    opts: WriteOptions,
    presetManaged?: KubeObject["metadata"]["managedFields"],
  ): WriteResult {
    const version = opts.version ?? rt.versions[0];
    const obj = clone(this.#checkKind(rt, body, version));
    const meta = obj.metadata;
    if (rt.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw ApiError.badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      meta.namespace = namespace || meta.namespace;
    } else delete meta.namespace;
    if (meta.resourceVersion) {
      throw ApiError.badRequest("resourceVersion should not be set on objects to be created");
    }
    if (!meta.name && meta.generateName) meta.name = meta.generateName + this.#suffix();
    if (meta.name) this.#checkNamespace(rt, meta.namespace ?? "", meta.name, true);
    else if (rt.namespaced && meta.namespace) this.#checkNamespace(rt, meta.namespace, "", true);
    meta.uid = crypto.randomUUID();
    meta.creationTimestamp = rfc3339(this.now());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.managedFields;
    delete meta.selfLink;
    if (rt.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    this.#resetStatusOnCreate(rt, obj);
    const warnings = this.#admit(rt, obj, undefined, opts);
    const key = [rt.group, rt.plural, rt.namespaced ? meta.namespace! : "", meta.name!] as const;
    if (this.store.peek(...key)) throw ApiError.alreadyExists(groupResource(rt), meta.name!);
    meta.managedFields = presetManaged ?? updateManagedFields(undefined, obj, {
      manager: opts.manager,
      type: rt.typeFor(version),
      apiVersion: apiVersionOf(rt.group, version),
      now: this.now(),
      scope: "all",
    });
    if (!meta.managedFields.length) delete meta.managedFields;
    return this.#commit(rt, obj, undefined, opts, warnings, true);
  }

  #suffix(): string {
    let s = "";
    for (let i = 0; i < 5; i++) s += NAME_CHARS[Math.floor(this.#random() * NAME_CHARS.length)];
    return s;
  }

  #resetStatusOnCreate(rt: ResourceType, obj: KubeObject): void {
    if (!rt.statusSubresource) return;
    // nodes and namespaces may be created with status; everything else starts without
    if (rt.group === "" && (rt.plural === "nodes" || rt.plural === "namespaces")) return;
    delete obj.status;
  }

  #commit(
    rt: ResourceType,
    obj: KubeObject,
    old: KubeObject | undefined,
    opts: { dryRun?: boolean },
    warnings: string[],
    created: boolean,
  ): WriteResult {
    this.present(rt, obj, parseApiVersion(obj.apiVersion ?? "").version || undefined);
    if (opts.dryRun) return { object: obj, warnings, created };
    // an object being deleted goes once its last finalizer is removed (graceful pods wait for the
    // kubelet; namespaces for their spec finalizers)
    const waiting = (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0 ||
      (rt.group === "" && rt.plural === "namespaces" && (obj.spec?.finalizers ?? []).length > 0);
    if (old && obj.metadata.deletionTimestamp && !(obj.metadata.finalizers ?? []).length && !waiting) {
      this.store.remove(rt.group, rt.plural, obj.metadata.namespace ?? "", obj.metadata.name!);
      return { object: obj, warnings, created: false };
    }
    const stored = this.store.put(rt.group, rt.plural, obj);
    if (rt.group === "apiextensions.k8s.io" && rt.plural === "customresourcedefinitions") this.#serve(stored);
    return {
      object: this.present(rt, stored, parseApiVersion(obj.apiVersion ?? "").version),
      warnings,
      created,
    };
  }

  /** Replaces (PUT) an object or its status. */
  update(rt: ResourceType, namespace: string, name: string, body: unknown, opts: WriteOptions): WriteResult {
    const version = opts.version ?? rt.versions[0];
    const obj = clone(this.#checkKind(rt, body, version));
    const ns = rt.namespaced ? namespace : "";
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw ApiError.badRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    if (rt.namespaced && obj.metadata.namespace && obj.metadata.namespace !== namespace) {
      throw ApiError.badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    obj.metadata.name = name;
    const old = this.store.get(rt.group, rt.plural, ns, name);
    if (!old) {
      if (rt.createOnUpdate && !opts.subresource) {
        delete obj.metadata.resourceVersion;
        return this.create(rt, namespace, obj, opts);
      }
      throw ApiError.notFound(groupResource(rt), name);
    }
    const rv = obj.metadata.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) throw ApiError.modified(groupResource(rt), name);
    if (!rv && !rt.builtin) {
      throw ApiError.invalid(groupKind(rt), name, [
        FieldError.invalid("metadata.resourceVersion", { __go: "0x0" }, "must be specified for an update"),
      ]);
    }
    const next = this.#merged(rt, old, obj, opts.subresource === "status" ? "status" : "main");
    next.metadata.managedFields = updateManagedFields(old, next, {
      manager: opts.manager,
      type: rt.typeFor(version),
      apiVersion: apiVersionOf(rt.group, version),
      now: this.now(),
      subresource: opts.subresource,
      scope: rt.statusSubresource ? (opts.subresource === "status" ? "status" : "main") : "all",
    });
    if (!next.metadata.managedFields.length) delete next.metadata.managedFields;
    return this.#finishUpdate(rt, old, next, opts);
  }

  /** The object after a write: server-owned metadata from `old`, status or spec kept per scope. */
  #merged(rt: ResourceType, old: KubeObject, incoming: KubeObject, scope: "main" | "status"): KubeObject {
    let next: KubeObject;
    if (scope === "status") {
      next = clone(old);
      next.apiVersion = incoming.apiVersion;
      if (incoming.status === undefined) delete next.status;
      else next.status = clone(incoming.status);
    } else {
      next = clone(incoming);
      if (rt.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = clone(old.status);
      }
    }
    const m = next.metadata;
    for (
      const k of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "namespace"]
    ) {
      if (old.metadata[k] === undefined) delete m[k];
      else m[k] = clone(old.metadata[k]);
    }
    m.resourceVersion = old.metadata.resourceVersion;
    m.generation = old.metadata.generation;
    if (m.generation === undefined) delete m.generation;
    if (rt.tracksGeneration && scope === "main") {
      const body = (o: KubeObject) => {
        const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
        return rt.statusSubresource ? rest : { ...rest, status: o.status };
      };
      if (!jsonEqual(body(old), body(next))) m.generation = (old.metadata.generation ?? 0) + 1;
      if (m.deletionTimestamp && !jsonEqual(old.metadata.finalizers, m.finalizers)) m.generation ??= 1;
    }
    return next;
  }

  #finishUpdate(rt: ResourceType, old: KubeObject, next: KubeObject, opts: WriteOptions): WriteResult {
    const warnings = opts.subresource === "status"
      ? this.#admitStatus(rt, next, old)
      : this.#admit(rt, next, old, opts);
    // a no-op write changes nothing, not even the resourceVersion (GuaranteedUpdate short-circuit)
    const strip = (o: KubeObject) => {
      const c = clone(o);
      delete c.metadata.managedFields;
      delete c.metadata.resourceVersion;
      delete c.apiVersion;
      delete c.kind;
      return c;
    };
    if (jsonEqual(strip(old), strip(next))) {
      return {
        object: this.present(rt, old, parseApiVersion(next.apiVersion ?? "").version),
        warnings,
        created: false,
      };
    }
    return this.#commit(rt, next, old, opts, warnings, false);
  }

  #admitStatus(rt: ResourceType, obj: KubeObject, old: KubeObject): string[] {
    const errs = rt.validateStatus?.(obj, old) ?? [];
    if (rt.schemaCheck) {
      const version = parseApiVersion(obj.apiVersion ?? "").version || rt.versions[0];
      errs.push(...rt.schemaCheck(obj, version, false).errors.filter((e) => e.field.startsWith("status")));
    }
    if (errs.length) throw ApiError.invalid(groupKind(rt), obj.metadata.name ?? "", errs);
    return [];
  }

  /** PATCH (json, merge, strategic) or server-side apply. */
  patch(
    rt: ResourceType,
    namespace: string,
    name: string,
    type: PatchType,
    rawBody: string,
    opts: WriteOptions & { force?: boolean },
  ): WriteResult {
    const version = opts.version ?? rt.versions[0];
    const ns = rt.namespaced ? namespace : "";
    const scope = opts.subresource === "status" ? "status" : "main";
    if (type === "apply") return this.#apply(rt, namespace, name, rawBody, opts);
    if (opts.force) throw ApiError.badRequest("force flag is not allowed for non-apply patches");
    if (type === "strategic" && !rt.builtin) {
      throw ApiError.unsupportedMediaType("application/strategic-merge-patch+json", [
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/apply-patch+yaml",
      ]);
    }
    const old = this.store.get(rt.group, rt.plural, ns, name);
    if (!old) throw ApiError.notFound(groupResource(rt), name);
    let patch: unknown;
    try {
      patch = JSON.parse(rawBody);
    } catch (err) {
      throw ApiError.badRequest(`error decoding patch: ${(err as Error).message}`);
    }
    const current = this.present(rt, clone(old), version);
    let patched: unknown;
    try {
      if (type === "json") patched = applyJsonPatch(current, patch);
      else if (type === "merge") {
        if (!isObject(patch)) {
          throw ApiError.badRequest("json: cannot unmarshal into Go value of type map[string]interface {}");
        }
        patched = applyMergePatch(current, patch);
      } else {
        if (!isObject(patch)) {
          throw ApiError.badRequest("json: cannot unmarshal into Go value of type map[string]interface {}");
        }
        patched = applyStrategicPatch(current, patch, rt.typeFor(version));
      }
    } catch (err) {
      if (err instanceof JsonPatchError || err instanceof StrategicPatchError) {
        throw new ApiError(422, "Invalid", err.message);
      }
      throw err;
    }
    if (!isObject(patched)) throw ApiError.badRequest("the patched object is not an object");
    const obj = patched as KubeObject;
    if (!isObject(obj.metadata)) obj.metadata = {};
    if (obj.metadata.name !== name) {
      throw ApiError.badRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    // a resourceVersion in the patch is a precondition
    const rv = isObject(patch) && isObject((patch as KubeObject).metadata)
      ? (patch as KubeObject).metadata.resourceVersion
      : obj.metadata.resourceVersion !== old.metadata.resourceVersion
      ? obj.metadata.resourceVersion
      : undefined;
    if (rv && rv !== old.metadata.resourceVersion) throw ApiError.modified(groupResource(rt), name);
    this.#checkKind(rt, obj, version);
    const next = this.#merged(rt, old, obj, scope);
    next.metadata.managedFields = updateManagedFields(old, next, {
      manager: opts.manager,
      type: rt.typeFor(version),
      apiVersion: apiVersionOf(rt.group, version),
      now: this.now(),
      subresource: opts.subresource,
      scope: rt.statusSubresource ? scope : "all",
    });
    if (!next.metadata.managedFields.length) delete next.metadata.managedFields;
    return this.#finishUpdate(rt, old, next, opts);
  }

  #apply(
    rt: ResourceType,
    namespace: string,
    name: string,
    rawBody: string,
    opts: WriteOptions & { force?: boolean },
  ): WriteResult {
    const version = opts.version ?? rt.versions[0];
    if (!opts.manager) throw ApiError.badRequest("fieldManager is required for apply requests");
    let applied: unknown;
    try {
      applied = parseYaml(rawBody);
    } catch (err) {
      throw ApiError.badRequest(`error decoding YAML: ${(err as Error).message}`);
    }
    const obj = this.#checkKind(rt, applied, version, true);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw ApiError.badRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    if (rt.namespaced && obj.metadata.namespace && obj.metadata.namespace !== namespace) {
      throw ApiError.badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    obj.metadata.name = name;
    if (rt.namespaced) obj.metadata.namespace = namespace;
    if (obj.metadata.managedFields !== undefined) {
      throw ApiError.badRequest("metadata.managedFields must be nil");
    }
    const ns = rt.namespaced ? namespace : "";
    const old = this.store.get(rt.group, rt.plural, ns, name);
    const rv = obj.metadata.resourceVersion;
    if (rv && old && rv !== old.metadata.resourceVersion) throw ApiError.modified(groupResource(rt), name);
    if (rv && !old) throw ApiError.notFound(groupResource(rt), name);
    const scope: Scope = !rt.statusSubresource ? "all" : opts.subresource === "status" ? "status" : "main";
    if (rt.schemaCheck) {
      // unknown fields in an applied configuration are not declared in the schema
      const probe = clone(obj);
      const r = rt.schemaCheck(probe, parseApiVersion(obj.apiVersion!).version, true);
      if (r.unknown.length && opts.fieldValidation === "Strict") {
        throw ApiError.badRequest(r.unknown.map((u) => `.${u}: field not declared in schema`).join(", "));
      }
    }
    const result = applyConfiguration(old, obj, {
      manager: opts.manager,
      force: !!opts.force,
      type: rt.typeFor(version),
      apiVersion: apiVersionOf(rt.group, version),
      now: this.now(),
      subresource: opts.subresource,
      scope,
    });
    if (!old) {
      if (opts.subresource) throw ApiError.notFound(groupResource(rt), name);
      // apply creates: the same path as POST, with the apply ownership
      const managed = result.metadata.managedFields;
      return this.#create(
        rt,
        namespace,
        { ...result, metadata: { ...result.metadata, managedFields: undefined } },
        opts,
        managed,
      );
    }
    const next = this.#merged(rt, old, result, scope === "status" ? "status" : "main");
    next.metadata.managedFields = result.metadata.managedFields;
    return this.#finishUpdate(rt, old, next, opts);
  }

  /** DELETE: finalizers and graceful pod deletion leave the object with a deletionTimestamp. */
  delete(rt: ResourceType, namespace: string, name: string, opts: DeleteOptions = {}): DeleteResult {
    const ns = rt.namespaced ? namespace : "";
    const old = this.store.get(rt.group, rt.plural, ns, name);
    if (!old) throw ApiError.notFound(groupResource(rt), name);
    if (rt.group === "" && rt.plural === "namespaces" && IMMORTAL_NAMESPACES.includes(name)) {
      // the NamespaceLifecycle admission plugin
      throw ApiError.forbidden(groupResource(rt), name, "this namespace may not be deleted");
    }
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      throw ApiError.conflict(
        groupResource(rt),
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw ApiError.conflict(
        groupResource(rt),
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
      );
    }
    const next = clone(old);
    const meta = next.metadata;
    const finalizers = [...(meta.finalizers ?? [])];
    const policy = opts.propagationPolicy;
    if (policy === "Foreground" && !finalizers.includes("foregroundDeletion")) {
      finalizers.push("foregroundDeletion");
    }
    if (policy === "Orphan" && !finalizers.includes("orphan")) finalizers.push("orphan");
    let graceful = false;
    if (rt.group === "" && rt.plural === "pods" && old.spec?.nodeName && opts.gracePeriodSeconds !== 0) {
      const phase = old.status?.phase;
      if (phase !== "Succeeded" && phase !== "Failed") graceful = true;
    }
    if (rt.group === "" && rt.plural === "namespaces") {
      next.status = { ...(next.status ?? {}), phase: "Terminating" };
      graceful = true;
    }
    if (rt.group === "apiextensions.k8s.io" && rt.plural === "customresourcedefinitions") {
      if (!finalizers.includes("customresourcecleanup.apiextensions.k8s.io")) {
        finalizers.push("customresourcecleanup.apiextensions.k8s.io");
      }
    }
    const pending = finalizers.length > 0 || graceful;
    if (!pending) {
      if (opts.dryRun) return { object: this.present(rt, old), deleted: true };
      const gone = this.store.remove(rt.group, rt.plural, ns, name)!;
      if (rt.group === "apiextensions.k8s.io" && rt.plural === "customresourcedefinitions") {
        this.#unserve(gone);
      }
      return { object: this.present(rt, gone), deleted: true };
    }
    if (!meta.deletionTimestamp) {
      const grace = rt.plural === "pods" && rt.group === ""
        ? (opts.gracePeriodSeconds ?? old.spec?.terminationGracePeriodSeconds ?? 30)
        : 0;
      meta.deletionTimestamp = rfc3339(this.now() + grace * 1000);
      meta.deletionGracePeriodSeconds = grace;
    } else if (rt.plural === "pods" && opts.gracePeriodSeconds !== undefined) {
      meta.deletionGracePeriodSeconds = Math.min(
        meta.deletionGracePeriodSeconds ?? 30,
        opts.gracePeriodSeconds,
      );
    }
    meta.finalizers = finalizers;
    if (!finalizers.length) delete meta.finalizers;
    if (rt.tracksGeneration) meta.generation = (meta.generation ?? 0) + 1;
    if (opts.dryRun) return { object: this.present(rt, next), deleted: false };
    if (jsonEqual(old, next)) return { object: this.present(rt, old), deleted: false };
    const stored = this.store.put(rt.group, rt.plural, next);
    return { object: this.present(rt, stored), deleted: false };
  }

  /** Whether a delete answers with the object (pods, services, …) or a Status. */
  returnsDeletedObject(rt: ResourceType): boolean {
    return RETURNS_DELETED_OBJECT.has(`${rt.group}/${rt.plural}`);
  }

  /** Removes an object now, bypassing finalizers and grace (kubelet's final delete, controllers). */
  forceRemove(rt: ResourceType, namespace: string, name: string): void {
    const gone = this.store.remove(rt.group, rt.plural, rt.namespaced ? namespace : "", name);
    if (gone && rt.group === "apiextensions.k8s.io" && rt.plural === "customresourcedefinitions") {
      this.#unserve(gone);
    }
  }

  // ---- CRDs -----------------------------------------------------------------------------------

  /** Serves the custom resources of an accepted CRD (and gives it its Established status). */
  #serve(crd: KubeObject): void {
    const key = crd.metadata.name!;
    if (crd.metadata.deletionTimestamp) return;
    try {
      this.registry.setCustom(key, resourceFromCrd(crd));
    } catch (err) {
      console.error(`kube emulator: cannot serve CRD ${key}:`, err);
      return;
    }
    const status = establishedStatus(crd, this.now());
    if (!jsonEqual(crd.status, status)) {
      const next = clone(crd);
      next.status = status;
      this.store.put("apiextensions.k8s.io", "customresourcedefinitions", next);
    }
  }

  #unserve(crd: KubeObject): void {
    this.registry.removeCustom(crd.metadata.name!);
  }

  /** Stops serving a CRD that is being deleted (its objects are being removed). */
  unserveTerminating(crd: KubeObject): void {
    this.#unserve(crd);
  }
}

function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = e.toString();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
