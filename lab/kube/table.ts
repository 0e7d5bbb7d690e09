/**
 * Server-side tables (`meta.k8s.io/v1` Table) and partial object metadata for lists, single objects
 * and watch events, with `includeObject` (None, Metadata — the default — or Object).
 *
 * @example
 * ```ts
 * toTable(rt, [pod], { resourceVersion: "7" }, "Metadata", now);
 * ```
 */
import { DEFAULT_PRINTER } from "./resources/printers.ts";
import type { ResourceType } from "./resources/resource.ts";
import type { JsonObject, KubeObject } from "./types.ts";

export type IncludeObject = "None" | "Metadata" | "Object";

export function partialMetadata(obj: KubeObject, version = "v1"): JsonObject {
  return {
    kind: "PartialObjectMetadata",
    apiVersion: `meta.k8s.io/${version}`,
    metadata: JSON.parse(JSON.stringify(obj.metadata)),
  };
}

export function toTable(
  rt: ResourceType,
  objects: KubeObject[],
  listMeta: Record<string, unknown>,
  include: IncludeObject,
  now: number,
  version = "v1",
  withColumns = true,
): JsonObject {
  const printer = rt.table ?? DEFAULT_PRINTER;
  const rows = objects.map((o) => {
    const row: JsonObject = { cells: printer.row(o, now) as JsonObject[] };
    if (include === "Object") row.object = JSON.parse(JSON.stringify(o));
    else if (include === "Metadata") row.object = partialMetadata(o, version);
    return row;
  });
  const table: JsonObject = {
    kind: "Table",
    apiVersion: `meta.k8s.io/${version}`,
    metadata: JSON.parse(JSON.stringify(listMeta)),
  };
  if (withColumns) table.columnDefinitions = JSON.parse(JSON.stringify(printer.columns));
  table.rows = rows;
  return table;
}
