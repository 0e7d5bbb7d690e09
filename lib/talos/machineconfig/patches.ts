/**
 * The user's patches (`talos.patches`), applied last in the order global → role → node, each named
 * by where it sits in the config (`talos.patches.nodes.cp-1[0]`). A patch that cannot be applied, or
 * that writes a field or document Talos does not know or a value of the wrong type, is a
 * {@link UsageError} (exit 2) naming the patch and what failed.
 *
 * Strategic merge patches follow Talos' rules (`strategic.ts`). JSON 6902 patches apply to the
 * v1alpha1 document: Talos ≥ 1.12 refuses JSON patches on multi-document configs (and every v1.13
 * config has several documents), so strata scopes them to the document they were always written for
 * and leaves the other documents to strategic merge.
 *
 * @example
 * ```ts
 * const docs = applyPatches(model, base, patchesFor(patchSet, "worker", "w-1"));
 * ```
 */
import { UsageError } from "../../errors.ts";
import { applyJsonPatch, jsonPatchShapeError } from "./json6902.ts";
import type { SchemaModel } from "./schema_model.ts";
import { PatchError, strategicMerge } from "./strategic.ts";
import { checkDocument, isV1Alpha1 } from "./structure.ts";
import type { ConfigPatch, JsonPatchOperation, PatchSet, Role } from "./types.ts";

/** A patch and the config path that names it. */
export interface NamedPatch {
  name: string;
  patch: ConfigPatch;
}

/** The patches for one node, in application order, with their names. */
export function patchesFor(set: PatchSet | undefined, role: Role, node: string): NamedPatch[] {
  const named = (scope: string, list: ConfigPatch[] | undefined) =>
    (list ?? []).map((patch, i) => ({ name: `talos.patches.${scope}[${i}]`, patch }));
  return [
    ...named("global", set?.global),
    ...named(role, set?.[role]),
    ...named(`nodes.${node}`, set?.nodes?.[node]),
  ];
}

type Doc = Record<string, unknown>;

/** Applies the patches in order; a {@link UsageError} names the first patch that fails. */
export function applyPatches(model: SchemaModel, docs: Doc[], patches: NamedPatch[]): Doc[] {
  let out = docs;
  for (const { name, patch } of patches) {
    const fail = (what: string) =>
      new UsageError(
        `${name}: ${what}`,
        "fix or remove this patch in talos.patches (see docs/talos.md, Patches)",
      );
    try {
      if (Array.isArray(patch)) {
        const shape = jsonPatchShapeError(patch);
        if (shape) throw fail(`not a valid JSON patch: ${shape}`);
        const i = out.findIndex(isV1Alpha1);
        const patched = applyJsonPatch(out[i], patch as JsonPatchOperation[]);
        const issues = checkDocument(model, patched, { partial: true });
        if (issues.length) throw fail(`the result is not a valid config: ${formatIssue(issues[0])}`);
        out = out.map((d, j) => (j === i ? patched : d));
      } else if (typeof patch === "object" && patch !== null) {
        const issues = checkDocument(model, withoutDeleteMarkers(patch) as Doc, { partial: true });
        if (issues.length) throw fail(formatIssue(issues[0]));
        out = strategicMerge(out, patch);
      } else {
        throw fail("a patch is a map (strategic merge) or a list of JSON patch operations");
      }
    } catch (err) {
      if (err instanceof PatchError) throw fail(err.message);
      throw err;
    }
  }
  return out;
}

/** How an issue reads in a message: `machine.install.dsk: unknown field (did you mean disk?)`. */
export function formatIssue(issue: { document: string; path: string; message: string }): string {
  const where = issue.document === "v1alpha1"
    ? issue.path
    : `${issue.document}${issue.path ? ` ${issue.path}` : ""}`;
  return where ? `${where}: ${issue.message}` : issue.message;
}

/** The patch without `$patch: delete` entries, for checking its fields against the model. */
function withoutDeleteMarkers(node: unknown): unknown {
  if (Array.isArray(node)) {
    return node.filter((e) => !(isMap(e) && e.$patch === "delete")).map(withoutDeleteMarkers);
  }
  if (!isMap(node)) return node;
  const out: Doc = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "$patch" || v === null) continue;
    if (isMap(v) && v.$patch === "delete") continue;
    out[k] = withoutDeleteMarkers(v);
  }
  return out;
}

function isMap(v: unknown): v is Doc {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
