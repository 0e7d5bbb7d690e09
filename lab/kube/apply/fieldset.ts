/**
 * Field sets as server-side apply tracks them: a trie of path elements that encodes to and from
 * the `FieldsV1` JSON in `metadata.managedFields` (`f:name`, `k:{"name":"x"}`, `v:"x"`, `i:0`,
 * `.` when a node is itself a member and has children), and prints paths the way
 * structured-merge-diff does in conflict messages (`.spec.containers[name="web"].image`).
 *
 * @example
 * ```ts
 * const s = new FieldSet();
 * s.insert([field("spec"), field("replicas")]);
 * s.toFieldsV1(); // {"f:spec":{"f:replicas":{}}}
 * ```
 */
import type { Json, JsonObject } from "../types.ts";

/** One path element, already in its FieldsV1 spelling. */
export type PathElement = string;

export function field(name: string): PathElement {
  return `f:${name}`;
}

/** An associative-list element: its keys, sorted by name, JSON-encoded. */
export function keyed(keys: Record<string, Json>): PathElement {
  const sorted: Record<string, Json> = {};
  for (const k of Object.keys(keys).sort()) sorted[k] = keys[k];
  return `k:${JSON.stringify(sorted)}`;
}

export function setValue(v: Json): PathElement {
  return `v:${JSON.stringify(v)}`;
}

export function index(i: number): PathElement {
  return `i:${i}`;
}

/** `.spec.containers[name="web"].image` (fieldpath.Path.String()). */
export function pathString(path: PathElement[]): string {
  return path.map((e) => {
    const body = e.slice(2);
    switch (e[0]) {
      case "f":
        return `.${body}`;
      case "k": {
        const keys = JSON.parse(body) as Record<string, Json>;
        return `[${Object.entries(keys).map(([k, v]) => `${k}=${goString(v)}`).join(",")}]`;
      }
      case "v":
        return `[=${goString(JSON.parse(body))}]`;
      default:
        return `[${body}]`;
    }
  }).join("");
}

function goString(v: Json): string {
  if (typeof v === "string") return JSON.stringify(v);
  return typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
}

class Node {
  member = false;
  children = new Map<PathElement, Node>();
}

/** A set of paths. */
export class FieldSet {
  #root = new Node();

  static fromFieldsV1(fields: JsonObject | undefined): FieldSet {
    const set = new FieldSet();
    const walk = (obj: JsonObject, node: Node) => {
      for (const [k, v] of Object.entries(obj)) {
        if (k === ".") {
          node.member = true;
          continue;
        }
        const child = new Node();
        node.children.set(k, child);
        const sub = (v ?? {}) as JsonObject;
        if (Object.keys(sub).length === 0) child.member = true;
        else walk(sub, child);
      }
    };
    if (fields) walk(fields, set.#root);
    return set;
  }

  toFieldsV1(): JsonObject {
    const enc = (node: Node): JsonObject => {
      const out: JsonObject = {};
      if (node.member && node.children.size) out["."] = {};
      for (const k of [...node.children.keys()].sort()) out[k] = enc(node.children.get(k)!);
      return out;
    };
    return enc(this.#root);
  }

  insert(path: PathElement[]): void {
    let node = this.#root;
    for (const e of path) {
      let next = node.children.get(e);
      if (!next) node.children.set(e, next = new Node());
      node = next;
    }
    node.member = true;
  }

  has(path: PathElement[]): boolean {
    const node = this.#find(path);
    return !!node?.member;
  }

  /** True when the set has this path or anything below it. */
  hasPrefix(path: PathElement[]): boolean {
    return this.#find(path) !== undefined;
  }

  #find(path: PathElement[]): Node | undefined {
    let node: Node | undefined = this.#root;
    for (const e of path) {
      node = node.children.get(e);
      if (!node) return undefined;
    }
    return node;
  }

  /** Every member path. */
  paths(): PathElement[][] {
    const out: PathElement[][] = [];
    const walk = (node: Node, prefix: PathElement[]) => {
      if (node.member && prefix.length) out.push(prefix);
      for (const [k, c] of node.children) walk(c, [...prefix, k]);
    };
    walk(this.#root, []);
    return out;
  }

  get empty(): boolean {
    return this.paths().length === 0;
  }

  union(other: FieldSet): FieldSet {
    const out = FieldSet.fromFieldsV1(this.toFieldsV1());
    for (const p of other.paths()) out.insert(p);
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const p of this.paths()) if (other.has(p)) out.insert(p);
    return out;
  }

  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const p of this.paths()) if (!other.has(p)) out.insert(p);
    return out;
  }

  /** This set without any path at or below the paths of `other`. */
  withoutPrefixes(other: FieldSet): FieldSet {
    const prefixes = other.paths();
    const out = new FieldSet();
    for (const p of this.paths()) {
      if (!prefixes.some((q) => q.length <= p.length && q.every((e, i) => p[i] === e))) out.insert(p);
    }
    return out;
  }
}
