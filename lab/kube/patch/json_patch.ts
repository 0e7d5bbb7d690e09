/**
 * JSON Patch (RFC 6902) as the API server applies `application/json-patch+json` bodies, with the
 * error messages of evanphx/json-patch (which kube-apiserver uses).
 *
 * @example
 * ```ts
 * applyJsonPatch({ a: 1 }, [{ op: "replace", path: "/a", value: 2 }]); // { a: 2 }
 * ```
 */
import { clone, isObject, jsonEqual } from "../types.ts";

export class JsonPatchError extends Error {}

export interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) {
    throw new JsonPatchError(`JSON pointer must be empty or start with a "/": ${path}`);
  }
  return path.slice(1).split("/").map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

type Container = Record<string, unknown> | unknown[];

function parentOf(
  doc: unknown,
  parts: string[],
  op: string,
  path: string,
): { parent: Container; key: string } {
  let cur: unknown = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = Number(p);
      if (!/^\d+$/.test(p) || i >= cur.length) {
        throw new JsonPatchError(
          `${op} operation does not apply: doc is missing path: "${path}": missing value`,
        );
      }
      cur = cur[i];
    } else if (isObject(cur) && p in cur) cur = cur[p];
    else {throw new JsonPatchError(
        `${op} operation does not apply: doc is missing path: "${path}": missing value`,
      );}
  }
  if (!Array.isArray(cur) && !isObject(cur)) {
    throw new JsonPatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  return { parent: cur, key: parts[parts.length - 1] };
}

function get(doc: unknown, path: string, op: string): unknown {
  let cur = doc;
  for (const p of pointer(path)) {
    if (Array.isArray(cur) && /^\d+$/.test(p) && Number(p) < cur.length) cur = cur[Number(p)];
    else if (isObject(cur) && p in cur) cur = cur[p];
    else {throw new JsonPatchError(
        `${op} operation does not apply: doc is missing path: "${path}": missing value`,
      );}
  }
  return cur;
}

function add(doc: unknown, path: string, value: unknown, op = "add"): unknown {
  const parts = pointer(path);
  if (!parts.length) return clone(value);
  const { parent, key } = parentOf(doc, parts, op, path);
  if (Array.isArray(parent)) {
    const i = key === "-" ? parent.length : Number(key);
    if (!/^(\d+|-)$/.test(key) || i > parent.length) {
      throw new JsonPatchError(
        `${op} operation does not apply: doc is missing path: "${path}": missing value`,
      );
    }
    parent.splice(i, 0, clone(value));
  } else parent[key] = clone(value);
  return doc;
}

function remove(doc: unknown, path: string, op = "remove"): unknown {
  const parts = pointer(path);
  const { parent, key } = parentOf(doc, parts, op, path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!/^\d+$/.test(key) || i >= parent.length) {
      throw new JsonPatchError(
        `${op} operation does not apply: doc is missing path: "${path}": missing value`,
      );
    }
    parent.splice(i, 1);
  } else {
    if (!(key in parent)) {
      throw new JsonPatchError(
        `${op} operation does not apply: doc is missing path: "${path}": missing value`,
      );
    }
    delete parent[key];
  }
  return doc;
}

/** Applies the operations to a copy of `doc`. */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) {
    throw new JsonPatchError("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  }
  let out = clone(doc);
  for (const raw of ops) {
    if (!isObject(raw)) throw new JsonPatchError("invalid JSON patch operation");
    const o = raw as unknown as JsonPatchOp;
    if (typeof o.path !== "string") throw new JsonPatchError(`${o.op} operation missing path`);
    switch (o.op) {
      case "add":
        out = add(out, o.path, o.value);
        break;
      case "remove":
        out = remove(out, o.path);
        break;
      case "replace":
        get(out, o.path, "replace");
        out = add(remove(out, o.path, "replace"), o.path, o.value, "replace");
        break;
      case "move": {
        const v = get(out, o.from ?? "", "move");
        out = add(remove(out, o.from ?? "", "move"), o.path, v, "move");
        break;
      }
      case "copy":
        out = add(out, o.path, get(out, o.from ?? "", "copy"), "copy");
        break;
      case "test":
        if (!jsonEqual(get(out, o.path, "test"), o.value)) {
          throw new JsonPatchError(`testing value ${o.path} failed: test failed`);
        }
        break;
      default:
        throw new JsonPatchError(`Unexpected kind: ${o.op}`);
    }
  }
  return out;
}
