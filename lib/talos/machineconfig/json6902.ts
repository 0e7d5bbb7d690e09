/**
 * RFC 6902 JSON Patch (add, remove, replace, move, copy, test) with RFC 6901 pointers, applied to
 * one document. Operations run in order on a copy; the first failing one stops the patch with a
 * {@link PatchError} naming its index, operation and path.
 *
 * @example
 * ```ts
 * applyJsonPatch({ machine: { install: { disk: "/dev/sda" } } }, [
 *   { op: "test", path: "/machine/install/disk", value: "/dev/sda" },
 *   { op: "replace", path: "/machine/install/disk", value: "/dev/vda" },
 * ]);
 * ```
 */
import { PatchError } from "./strategic.ts";
import type { JsonPatchOperation } from "./types.ts";

const OPS = ["add", "remove", "replace", "move", "copy", "test"];

/** Checks the shape of an operation list; returns a message for the first bad operation. */
export function jsonPatchShapeError(ops: unknown[]): string | undefined {
  for (const [i, raw] of ops.entries()) {
    const where = `operation ${i}`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return `${where}: must be a map`;
    const op = raw as Record<string, unknown>;
    if (typeof op.op !== "string" || !OPS.includes(op.op)) {
      return `${where}: op must be one of ${OPS.join(", ")}, not ${JSON.stringify(op.op)}`;
    }
    if (typeof op.path !== "string") return `${where} (${op.op}): path must be a string`;
    if (op.path !== "" && !op.path.startsWith("/")) return `${where} (${op.op}): path must start with "/"`;
    if ((op.op === "add" || op.op === "replace" || op.op === "test") && !("value" in op)) {
      return `${where} (${op.op} ${op.path}): value is missing`;
    }
    if ((op.op === "move" || op.op === "copy") && (typeof op.from !== "string" || !/^(\/|$)/.test(op.from))) {
      return `${where} (${op.op} ${op.path}): from must be a JSON pointer`;
    }
    const extra = Object.keys(op).filter((k) => !["op", "path", "from", "value"].includes(k));
    if (extra.length) return `${where} (${op.op} ${op.path}): unknown field ${extra[0]}`;
  }
  return undefined;
}

function tokens(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer.slice(1).split("/").map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function index(list: unknown[], token: string, forAdd: boolean): number {
  if (forAdd && token === "-") return list.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new Error(`"${token}" is not a list index`);
  const i = Number(token);
  if (i > list.length || (!forAdd && i === list.length)) throw new Error(`index ${i} is out of range`);
  return i;
}

/** The container holding the pointer's last token, and that token. */
function parent(root: { doc: unknown }, pointer: string): [unknown, string] {
  const t = tokens(pointer);
  let node: unknown = root.doc;
  for (const tok of t.slice(0, -1)) {
    if (Array.isArray(node)) node = node[index(node, tok, false)];
    else if (isMap(node) && tok in node) node = node[tok];
    else throw new Error(`${pointer}: ${tok} does not exist`);
  }
  return [node, t[t.length - 1]];
}

function get(root: { doc: unknown }, pointer: string): unknown {
  if (pointer === "") return root.doc;
  const [node, last] = parent(root, pointer);
  if (Array.isArray(node)) return node[index(node, last, false)];
  if (isMap(node) && last in node) return node[last];
  throw new Error(`${pointer} does not exist`);
}

function remove(root: { doc: unknown }, pointer: string): unknown {
  if (pointer === "") throw new Error("cannot remove the whole document");
  const [node, last] = parent(root, pointer);
  if (Array.isArray(node)) return node.splice(index(node, last, false), 1)[0];
  if (isMap(node) && last in node) {
    const v = node[last];
    delete node[last];
    return v;
  }
  throw new Error(`${pointer} does not exist`);
}

function add(root: { doc: unknown }, pointer: string, value: unknown): void {
  if (pointer === "") {
    root.doc = value;
    return;
  }
  const [node, last] = parent(root, pointer);
  if (Array.isArray(node)) node.splice(index(node, last, true), 0, value);
  else if (isMap(node)) node[last] = value;
  else throw new Error(`${pointer}: the parent is not a map or list`);
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && equal(a[k], b[k]));
  }
  return false;
}

/** The document after the operations; throws {@link PatchError} at the first failing one. */
export function applyJsonPatch(
  doc: Record<string, unknown>,
  ops: JsonPatchOperation[],
): Record<string, unknown> {
  const shape = jsonPatchShapeError(ops);
  if (shape) throw new PatchError(shape);
  const root = { doc: structuredClone(doc) as unknown };
  for (const [i, op] of ops.entries()) {
    try {
      switch (op.op) {
        case "add":
          add(root, op.path, structuredClone(op.value));
          break;
        case "remove":
          remove(root, op.path);
          break;
        case "replace":
          get(root, op.path);
          if (op.path === "") root.doc = structuredClone(op.value);
          else {
            remove(root, op.path);
            add(root, op.path, structuredClone(op.value));
          }
          break;
        case "move": {
          if (op.path.startsWith(op.from! + "/")) throw new Error(`cannot move ${op.from} into itself`);
          const v = remove(root, op.from!);
          add(root, op.path, v);
          break;
        }
        case "copy":
          add(root, op.path, structuredClone(get(root, op.from!)));
          break;
        case "test":
          if (!equal(get(root, op.path), op.value)) {
            throw new Error(
              `${op.path} is ${JSON.stringify(get(root, op.path))}, not ${JSON.stringify(op.value)}`,
            );
          }
          break;
      }
    } catch (err) {
      throw new PatchError(`operation ${i} (${op.op} ${op.path}): ${(err as Error).message}`);
    }
  }
  if (!isMap(root.doc)) throw new PatchError("the patched document is not a map");
  return root.doc;
}
