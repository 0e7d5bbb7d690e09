/**
 * The emulator's etcd: every object by group, resource, namespace and name, one cluster-wide
 * resourceVersion counter, a window of recent change events that watches resume from, and
 * persistence in the lab world's `kube` section (saves coalesce: at most one in flight and one
 * queued, so a burst of changes costs two writes, without any timer).
 *
 * @example
 * ```ts
 * const store = new KubeStore(LabWorld.memory());
 * store.put("", "configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "default" } });
 * store.get("", "configmaps", "default", "x")?.metadata.resourceVersion; // "1"
 * ```
 */
import type { LabWorld } from "../world.ts";
import { clone, type KubeObject } from "./types.ts";

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

/** One change, as watches see it. */
export interface StoreEvent {
  type: EventType;
  rv: number;
  group: string;
  resource: string;
  namespace: string;
  name: string;
  object: KubeObject;
  /** The object before a MODIFIED or DELETED change. */
  previous?: KubeObject;
}

/** The persisted section. */
export interface KubeSection {
  rv: number;
  objects: Record<string, KubeObject>;
  /** Next host number handed out from the service CIDR. */
  nextServiceIp?: number;
  /** Simulation notes (e.g. which pods a fault keeps from starting). */
  faults?: { ciliumNeverStarts?: string[] };
}

/** How many recent events a watch can resume from (the real server's watch cache keeps ~100/resource). */
const EVENT_WINDOW = 20_000;

export function storeKey(group: string, resource: string, namespace: string, name: string): string {
  return `${group}/${resource}/${namespace}/${name}`;
}

export class KubeStore {
  readonly section: KubeSection;
  #events: StoreEvent[] = [];
  /** The oldest resourceVersion a watch may resume from (exclusive). */
  #floor: number;
  #listeners = new Set<(e: StoreEvent) => void>();
  #saving = false;
  #dirty = false;
  #idle: Promise<void> = Promise.resolve();
  #world: LabWorld;
  // Indexes over `section.objects` (kept in step by put/remove; stored objects are replaced on
  // every write, never changed in place, so an index entry always names the current object).
  /** "group/resource" → keys of its objects. */
  #byType = new Map<string, Set<string>>();
  /** "group/resource" → its keys sorted (etcd's order), dropped when a key comes or goes. */
  #sorted = new Map<string, string[]>();
  /** Pods by spec.nodeName ("" for unscheduled pods). */
  #podsByNode = new Map<string, Set<string>>();
  /** Keys of the objects whose ownerReferences name a uid. */
  #byOwner = new Map<string, Set<string>>();
  /** uid → key. */
  #byUid = new Map<string, string>();
  /** Events by involvedObject.uid. */
  #eventsAbout = new Map<string, Set<string>>();

  constructor(world: LabWorld) {
    this.#world = world;
    this.section = world.section<KubeSection>("kube", () => ({ rv: 0, objects: {} }));
    this.section.objects ??= {};
    this.section.rv ??= 0;
    // events before this process started are gone, as after an etcd compaction
    this.#floor = this.section.rv;
    for (const [key, obj] of Object.entries(this.section.objects)) this.#index(key, obj);
  }

  get resourceVersion(): number {
    return this.section.rv;
  }

  /** Oldest resourceVersion from which events are still available (watch from rv >= floor works). */
  get floor(): number {
    return this.#floor;
  }

  get(group: string, resource: string, namespace: string, name: string): KubeObject | undefined {
    const o = this.section.objects[storeKey(group, resource, namespace, name)];
    return o ? clone(o) : undefined;
  }

  /** Objects of a resource (in one namespace, or all), in key order as etcd returns them. */
  list(group: string, resource: string, namespace?: string): KubeObject[] {
    return this.#scan(group, resource, namespace).map((o) => clone(o));
  }

  /**
   * The stored object itself, not a copy: for reads inside the emulator that never change it
   * (what leaves the emulator goes through {@link get} or {@link list}).
   */
  peek(group: string, resource: string, namespace: string, name: string): KubeObject | undefined {
    return this.section.objects[storeKey(group, resource, namespace, name)];
  }

  /** {@link list} without the copies (read-only, as {@link peek}). */
  scan(group: string, resource: string, namespace?: string): KubeObject[] {
    return this.#scan(group, resource, namespace);
  }

  #scan(group: string, resource: string, namespace?: string): KubeObject[] {
    const keys = this.#sortedKeys(`${group}/${resource}`);
    const objects = this.section.objects;
    if (namespace === undefined) return keys.map((k) => objects[k]);
    const prefix = `${group}/${resource}/${namespace}/`;
    const out: KubeObject[] = [];
    for (const k of keys) if (k.startsWith(prefix)) out.push(objects[k]);
    return out;
  }

  /** Pods bound to `node` ("" for unscheduled ones), in key order, read-only. */
  podsOn(node: string): KubeObject[] {
    return this.#resolve(this.#podsByNode.get(node));
  }

  /** Keys of the objects with an ownerReference to `uid`, in key order. */
  dependentKeys(uid: string): string[] {
    return [...this.#byOwner.get(uid) ?? []].sort();
  }

  /** The key of the object with this uid. */
  keyOfUid(uid: string): string | undefined {
    return this.#byUid.get(uid);
  }

  /** Events whose involvedObject has this uid, in key order, read-only. */
  eventsAbout(uid: string): KubeObject[] {
    return this.#resolve(this.#eventsAbout.get(uid));
  }

  #resolve(keys: Set<string> | undefined): KubeObject[] {
    if (!keys?.size) return [];
    const objects = this.section.objects;
    return [...keys].sort().map((k) => objects[k]);
  }

  #sortedKeys(type: string): string[] {
    let keys = this.#sorted.get(type);
    if (!keys) {
      keys = [...this.#byType.get(type) ?? []].sort();
      this.#sorted.set(type, keys);
    }
    return keys;
  }

  #index(key: string, obj: KubeObject): void {
    const [group, resource] = key.split("/", 2);
    const type = `${group}/${resource}`;
    let set = this.#byType.get(type);
    if (!set) this.#byType.set(type, set = new Set());
    if (!set.has(key)) {
      set.add(key);
      this.#sorted.delete(type);
    }
    const uid = obj.metadata?.uid;
    if (uid) this.#byUid.set(uid, key);
    this.#entries(type, obj, (index, k) => addTo(index, k, key));
  }

  /** Drops `obj`'s entries; `gone` when the key itself goes (not replaced). */
  #unindex(key: string, obj: KubeObject, gone: boolean): void {
    const [group, resource] = key.split("/", 2);
    const type = `${group}/${resource}`;
    if (gone) {
      this.#byType.get(type)?.delete(key);
      this.#sorted.delete(type);
    }
    const uid = obj.metadata?.uid;
    if (uid && this.#byUid.get(uid) === key) this.#byUid.delete(uid);
    this.#entries(type, obj, (index, k) => removeFrom(index, k, key));
  }

  /** Each (index, value) an object of `type` is filed under: its owners, a pod's node, an event's subject. */
  #entries(type: string, obj: KubeObject, at: (index: Map<string, Set<string>>, k: string) => void): void {
    for (const r of obj.metadata?.ownerReferences ?? []) {
      if (r?.uid) at(this.#byOwner, r.uid);
    }
    if (type === "/pods") at(this.#podsByNode, podNode(obj));
    if (type === "/events" && typeof obj.involvedObject?.uid === "string") {
      at(this.#eventsAbout, obj.involvedObject.uid);
    }
  }

  /** Every stored key (the namespace controller and garbage collector walk them). */
  keys(): string[] {
    return Object.keys(this.section.objects);
  }

  /** Creates or replaces an object, giving it the next resourceVersion. Returns the stored copy. */
  put(group: string, resource: string, obj: KubeObject): KubeObject {
    const namespace = obj.metadata.namespace ?? "";
    const name = obj.metadata.name!;
    const key = storeKey(group, resource, namespace, name);
    const previous = this.section.objects[key];
    const rv = ++this.section.rv;
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(rv);
    if (previous) this.#unindex(key, previous, false);
    this.section.objects[key] = stored;
    this.#index(key, stored);
    this.#emit({
      type: previous ? "MODIFIED" : "ADDED",
      rv,
      group,
      resource,
      namespace,
      name,
      object: stored,
      previous,
    });
    return clone(stored);
  }

  /** Removes an object; the DELETED event carries it with a new resourceVersion. */
  remove(group: string, resource: string, namespace: string, name: string): KubeObject | undefined {
    const key = storeKey(group, resource, namespace, name);
    const previous = this.section.objects[key];
    if (!previous) return undefined;
    delete this.section.objects[key];
    this.#unindex(key, previous, true);
    const rv = ++this.section.rv;
    const object = clone(previous);
    object.metadata.resourceVersion = String(rv);
    this.#emit({ type: "DELETED", rv, group, resource, namespace, name, object, previous });
    return clone(object);
  }

  /** Events after `rv` (exclusive), or undefined when they are no longer kept. */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv < this.#floor) return undefined;
    // the window is in rv order: the first event after `rv` by binary search
    const events = this.#events;
    let lo = 0, hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (events[mid].rv > rv) hi = mid;
      else lo = mid + 1;
    }
    return events.slice(lo);
  }

  /** Calls `fn` for every change from now on; returns the unsubscribe function. */
  subscribe(fn: (e: StoreEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #emit(e: StoreEvent): void {
    this.#events.push(e);
    if (this.#events.length > EVENT_WINDOW) {
      const dropped = this.#events.splice(0, this.#events.length - EVENT_WINDOW);
      this.#floor = dropped[dropped.length - 1].rv;
    }
    this.#scheduleSave();
    for (const fn of [...this.#listeners]) {
      try {
        fn(e);
      } catch (err) {
        console.error("kube store listener failed:", err);
      }
    }
  }

  /** Marks the section changed (for edits outside put/remove). */
  touch(): void {
    this.#scheduleSave();
  }

  #scheduleSave(): void {
    this.#dirty = true;
    if (this.#saving) return;
    this.#saving = true;
    this.#idle = (async () => {
      try {
        // let the current burst of synchronous changes finish before writing
        await Promise.resolve();
        while (this.#dirty) {
          this.#dirty = false;
          await this.#world.save();
        }
      } catch (err) {
        console.error("lab: saving the kube world failed:", err);
      } finally {
        this.#saving = false;
      }
    })();
  }

  /** Resolves once every change so far is written. */
  async flush(): Promise<void> {
    while (this.#saving) await this.#idle;
  }
}

function podNode(pod: KubeObject): string {
  const n = pod.spec?.nodeName;
  return typeof n === "string" ? n : "";
}

function addTo(index: Map<string, Set<string>>, k: string, key: string): void {
  let set = index.get(k);
  if (!set) index.set(k, set = new Set());
  set.add(key);
}

function removeFrom(index: Map<string, Set<string>>, k: string, key: string): void {
  const set = index.get(k);
  if (!set) return;
  set.delete(key);
  if (!set.size) index.delete(k);
}
