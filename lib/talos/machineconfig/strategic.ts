/**
 * Strategic merge patches with Talos' semantics (siderolabs/talos `configpatcher.StrategicMerge`,
 * `config/merge`, `configloader` delete selectors), on plain documents:
 *
 * - Documents are matched by (apiVersion, kind, name); a patch document with neither apiVersion nor
 *   kind is the v1alpha1 document. A patch document that matches nothing is added.
 * - Maps merge key by key. Scalars replace, except that an empty string or 0 does not replace a
 *   set value (Go's zero value means "unset"); booleans always replace.
 * - Lists are appended to, except where Talos' types say otherwise: `cluster.network.podSubnets`,
 *   `cluster.network.serviceSubnets` and `cluster.apiServer.auditPolicy` are replaced; the
 *   `extraArgs` maps replace per argument; `cluster.apiServer.admissionControl` merges entries by
 *   `name`, ExtensionServiceConfig `configFiles` by `mountPath`; RuleConfig `ingress` and
 *   `portSelector.ports` are replaced.
 * - `$patch: delete` deletes: a whole document (`apiVersion`, `kind`, [`name`], `$patch: delete`),
 *   a key (`key: {$patch: delete}`), or the first list entry whose first field matches
 *   (`- {name: PodSecurity, $patch: delete}`). Deleting something that is not there is an error;
 *   a map left empty by a delete is removed (Talos' fields are `omitempty`).
 * - `null` changes nothing.
 *
 * @example
 * ```ts
 * strategicMerge(docs, { machine: { nodeLabels: { zone: "a" } } });
 * strategicMerge(docs, { apiVersion: "v1alpha1", kind: "LinkConfig", name: "net0", mtu: 9000 });
 * ```
 */
import { isV1Alpha1 } from "./structure.ts";

/** A patch that cannot be applied; the message says what failed. */
export class PatchError extends Error {}

type Doc = Record<string, unknown>;

/** Paths (within a document of a kind) whose lists or maps are replaced, not merged. */
const REPLACE: Record<string, string[]> = {
  v1alpha1: ["cluster.network.podSubnets", "cluster.network.serviceSubnets", "cluster.apiServer.auditPolicy"],
  NetworkRuleConfig: ["ingress", "portSelector.ports"],
};

/** Lists merged entry by entry on a key field. */
const KEYED: Record<string, Record<string, string>> = {
  v1alpha1: { "cluster.apiServer.admissionControl": "name" },
  ExtensionServiceConfig: { configFiles: "mountPath" },
};

/** `extraArgs`: each argument replaces (Talos' `Args.Merge`). */
const ARGS = /^(machine\.kubelet|cluster\.(apiServer|controllerManager|scheduler|proxy|etcd))\.extraArgs$/;

function kindOf(doc: Doc): string {
  return isV1Alpha1(doc) ? "v1alpha1" : String(doc.kind);
}

/** Document identity as Talos computes it. */
export function documentId(doc: Doc): string {
  if (isV1Alpha1(doc)) return "v1alpha1";
  return `${String(doc.apiVersion)}/${String(doc.kind)}${typeof doc.name === "string" ? "/" + doc.name : ""}`;
}

function isMap(v: unknown): v is Doc {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

interface DeleteSelector {
  path: string[];
  /** For list entries: the field and value that pick the entry. */
  key?: string;
  value?: string;
}

/** Applies one strategic merge patch document; returns new documents (inputs are not changed). */
export function strategicMerge(docs: readonly Doc[], patch: Doc): Doc[] {
  const out = docs.map((d) => structuredClone(d));
  const right = structuredClone(patch);
  const id = documentId(right);
  const kind = kindOf(right);
  const index = out.findIndex((d) => documentId(d) === id);

  if (right.$patch === "delete") {
    if (isV1Alpha1(right)) throw new PatchError("the v1alpha1 document cannot be deleted");
    if (index < 0) throw new PatchError(`there is no ${id} document to delete`);
    out.splice(index, 1);
    return out;
  }
  const selectors: DeleteSelector[] = [];
  extractDeletes(right, [], selectors, false);
  if (selectors.length) {
    if (index < 0) throw new PatchError(`there is no ${id} document to delete from`);
    for (const s of selectors) applyDelete(out[index], s);
  }
  if (index < 0) {
    out.push(right);
  } else {
    mergeInto(out[index], right, [], kind);
  }
  return out;
}

/** Finds `$patch: delete` markers, records them and removes them (and what they empty) from the patch. */
function extractDeletes(node: unknown, path: string[], out: DeleteSelector[], inSeq: boolean): boolean {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const item = node[i];
      if (isMap(item) && item.$patch === "delete") {
        const entry = Object.entries(item).find(([k]) => k !== "$patch");
        if (!entry) throw new PatchError(`${path.join(".")}: a list entry to delete needs a field to match`);
        out.push({ path, key: entry[0], value: String(entry[1]) });
        node.splice(i--, 1);
        continue;
      }
      if (extractDeletes(item, [...path, `[${i}]`], out, true)) node.splice(i--, 1);
    }
    return false;
  }
  if (!isMap(node)) return false;
  for (const [k, v] of Object.entries(node)) {
    if (k === "$patch") {
      if (v !== "delete") {
        throw new PatchError(`${path.join(".") || "document"}: unknown $patch: ${String(v)}`);
      }
      continue;
    }
    if (isMap(v) && v.$patch === "delete") {
      if (inSeq) throw new PatchError(`cannot delete an inner key in '${[...path, k].join(".")}'`);
      out.push({ path: [...path, k] });
      delete node[k];
      continue;
    }
    const before = isMap(v) ? Object.keys(v).length : Array.isArray(v) ? v.length : -1;
    extractDeletes(v, [...path, k], out, inSeq);
    const after = isMap(v) ? Object.keys(v).length : Array.isArray(v) ? v.length : -1;
    // a map or list the markers emptied goes too, as in Talos' decoder
    if (before > 0 && after === 0) delete node[k];
  }
  return false;
}

function applyDelete(doc: Doc, s: DeleteSelector): void {
  let node: unknown = doc;
  const fail = () => {
    throw new PatchError(`delete ${s.path.join(".")}${s.key ? `[${s.key}=${s.value}]` : ""}: not found`);
  };
  const last = s.key === undefined ? s.path.length - 1 : s.path.length;
  for (let i = 0; i < last; i++) {
    if (!isMap(node) || !(s.path[i] in node)) fail();
    node = (node as Doc)[s.path[i]];
  }
  if (s.key === undefined) {
    if (!isMap(node) || !(s.path[last] in node)) fail();
    delete (node as Doc)[s.path[last]];
    pruneEmptyMaps(doc, s.path.slice(0, -1));
    return;
  }
  if (!Array.isArray(node)) return fail();
  const i = node.findIndex((e) => isMap(e) && e[s.key!] !== undefined && String(e[s.key!]) === s.value);
  if (i < 0) fail();
  node.splice(i, 1);
}

/**
 * Maps a delete left empty go too, up to the document: Talos' fields are `omitempty`, so an emptied
 * map is not written.
 */
function pruneEmptyMaps(doc: Doc, path: string[]): void {
  for (let depth = path.length; depth > 0; depth--) {
    let parent: Doc = doc;
    for (const k of path.slice(0, depth - 1)) parent = parent[k] as Doc;
    const key = path[depth - 1];
    const v = parent[key];
    if (!isMap(v) || Object.keys(v).length) return;
    delete parent[key];
  }
}

function isZero(v: unknown): boolean {
  return v === "" || v === 0;
}

function mergeInto(left: Doc, right: Doc, path: string[], kind: string): void {
  for (const [k, r] of Object.entries(right)) {
    if (r === null || r === undefined) continue;
    const p = [...path, k];
    const dotted = p.join(".");
    const l = left[k];
    if (l === undefined || l === null) {
      left[k] = r;
      continue;
    }
    if (REPLACE[kind]?.includes(dotted)) {
      if (!(Array.isArray(r) && r.length === 0) && !(isMap(r) && Object.keys(r).length === 0)) left[k] = r;
      continue;
    }
    if (Array.isArray(r)) {
      if (!Array.isArray(l)) {
        left[k] = r;
        continue;
      }
      const key = KEYED[kind]?.[dotted];
      if (key) {
        for (const item of r) {
          const existing = isMap(item) ? l.find((e) => isMap(e) && e[key] === item[key]) : undefined;
          if (existing) mergeInto(existing as Doc, item as Doc, [], `${kind}:${dotted}[]`);
          else l.push(item);
        }
      } else {
        l.push(...r);
      }
      continue;
    }
    if (isMap(r)) {
      if (!isMap(l)) {
        left[k] = r;
        continue;
      }
      if (kind === "v1alpha1" && ARGS.test(dotted)) {
        Object.assign(l, r);
        continue;
      }
      mergeInto(l, r, p, kind);
      continue;
    }
    if (isZero(r) && !isZero(l)) continue;
    left[k] = r;
  }
}
