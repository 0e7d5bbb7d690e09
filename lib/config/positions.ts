/**
 * Where things are in the YAML source: maps a path like `["nodes", 2, "memory"]` to the
 * `line:column` of its value (or of its key), falling back to the nearest enclosing node that
 * exists, so that even a missing key points at the mapping it is missing from.
 *
 * @example
 * ```ts
 * const doc = parseDocument(text, { lineCounter });
 * const at = new SourcePositions(doc, lineCounter);
 * at.value(["nodes", 2, "memory"]); // { line: 40, column: 13 }
 * ```
 */
import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from "yaml";

export interface Position {
  line: number;
  column: number;
}

export type PathKey = string | number;

export class SourcePositions {
  constructor(private readonly doc: Document, private readonly lines: LineCounter) {}

  /** Position of a byte offset in the source. */
  offset(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** Position of the value at `path`, or of the deepest existing node along it. */
  value(path: readonly PathKey[]): Position {
    const { node } = this.#walk(path);
    return this.#start(node);
  }

  /** Position of the key `path[-1]` in its mapping (else of the value, else the nearest parent). */
  key(path: readonly PathKey[]): Position {
    const last = path.at(-1);
    const { node, depth } = this.#walk(path.slice(0, -1));
    if (depth === path.length - 1 && isMap(node) && last !== undefined) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
      if (pair && isScalar(pair.key)) return this.#start(pair.key);
    }
    return this.value(path);
  }

  /** The path of the deepest key or value that contains byte `offset` (e.g. a repeated key). */
  pathAt(offset: number): PathKey[] {
    const path: PathKey[] = [];
    const inside = (n: unknown) => {
      const r = (n as Node | null)?.range;
      return !!r && r[0] <= offset && offset < Math.max(r[1], r[0] + 1);
    };
    let node: unknown = this.doc.contents;
    for (;;) {
      if (isMap(node)) {
        const pair = node.items.find((p) => inside(p.key) || inside(p.value));
        if (!pair || !isScalar(pair.key)) break;
        path.push(String(pair.key.value));
        if (inside(pair.key)) break;
        node = pair.value;
      } else if (isSeq(node)) {
        const i = node.items.findIndex(inside);
        if (i < 0) break;
        path.push(i);
        node = node.items[i];
      } else break;
    }
    return path;
  }

  #walk(path: readonly PathKey[]): { node: unknown; depth: number } {
    let node: unknown = this.doc.contents;
    let depth = 0;
    for (const key of path) {
      let next: unknown;
      if (isMap(node)) {
        next = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key))?.value;
      } else if (isSeq(node) && typeof key === "number") next = node.items[key];
      if (next === undefined || next === null) break;
      node = next;
      depth++;
    }
    return { node, depth };
  }

  #start(node: unknown): Position {
    const range = (node as Node | null)?.range;
    return range ? this.offset(range[0]) : { line: 1, column: 1 };
  }
}

/** `["nodes", 2, "memory"]` → `nodes[2].memory`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((k, i) =>
    typeof k === "number"
      ? `[${k}]`
      : /^[A-Za-z0-9_-]+$/.test(String(k))
      ? `${i ? "." : ""}${String(k)}`
      : `[${JSON.stringify(String(k))}]`
  ).join("");
}

/** `nodes[2].memory` → `["nodes", 2, "memory"]` (the inverse of {@link formatPath}). */
export function parsePath(path: string): PathKey[] {
  return [...path.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|([^.[\]]+)/g)].map((m) =>
    m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? JSON.parse(m[2]) as string : m[3]
  );
}
