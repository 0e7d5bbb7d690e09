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

  constructor(world: LabWorld) {
    this.#world = world;
    this.section = world.section<KubeSection>("kube", () => ({ rv: 0, objects: {} }));
    this.section.objects ??= {};
    this.section.rv ??= 0;
    // events before this process started are gone, as after an etcd compaction
    this.#floor = this.section.rv;
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
    const prefix = namespace === undefined ? `${group}/${resource}/` : `${group}/${resource}/${namespace}/`;
    return Object.keys(this.section.objects)
      .filter((k) => k.startsWith(prefix))
      .sort()
      .map((k) => clone(this.section.objects[k]));
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
    this.section.objects[key] = stored;
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
    const rv = ++this.section.rv;
    const object = clone(previous);
    object.metadata.resourceVersion = String(rv);
    this.#emit({ type: "DELETED", rv, group, resource, namespace, name, object, previous });
    return clone(object);
  }

  /** Events after `rv` (exclusive), or undefined when they are no longer kept. */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv < this.#floor) return undefined;
    const i = this.#events.findIndex((e) => e.rv > rv);
    return i < 0 ? [] : this.#events.slice(i);
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
