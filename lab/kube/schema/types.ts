/**
 * A compact type model of objects: which fields are structs, which are maps, and how each list
 * merges. Server-side apply (list types and keys, atomic maps) and strategic merge patch (patch
 * merge keys and strategies) both read it. Built-in kinds get their model from
 * `builtin_types.ts`; custom resources from their CRD's `openAPIV3Schema` (`crd_types.ts`).
 *
 * Anything not described is "deduced" as structured-merge-diff does for untyped data: objects
 * merge field by field, lists are atomic.
 *
 * @example
 * ```ts
 * const container = struct({ name: scalar, ports: listMap(["containerPort", "protocol"], struct({}), "containerPort") });
 * ```
 */
export type TypeNode = StructType | MapType | ListType | ScalarType;

export interface StructType {
  kind: "struct";
  fields: Record<string, TypeNode>;
  /** The whole struct is owned and replaced as one value (x-kubernetes-map-type: atomic on an object). */
  atomic?: boolean;
  /** Type of fields that are not named (x-kubernetes-preserve-unknown-fields / untyped). */
  unknown?: TypeNode;
}

export interface MapType {
  kind: "map";
  values: TypeNode;
  /** The map is owned and replaced as one value (+mapType=atomic). */
  atomic?: boolean;
}

export interface ListType {
  kind: "list";
  items: TypeNode;
  /** SSA list type. */
  listType: "atomic" | "set" | "map";
  /** SSA keys of a map list. */
  keys?: string[];
  /** Schema defaults of key fields (e.g. protocol: TCP), so an applied item matches its defaulted twin. */
  keyDefaults?: Record<string, string | number>;
  /** Strategic merge: patchStrategy=merge with this patchMergeKey (primitive merge lists have "" as key). */
  smpKey?: string;
  /** Strategic merge: patchStrategy also says retainKeys. */
  smpRetainKeys?: boolean;
}

export interface ScalarType {
  kind: "scalar";
}

export const scalar: ScalarType = { kind: "scalar" };

/** The type of untyped data: objects merge granularly, lists are atomic. */
export const deduced: StructType = { kind: "struct", fields: {} };

export function struct(fields: Record<string, TypeNode>, opts: Partial<StructType> = {}): StructType {
  return { kind: "struct", fields, ...opts };
}

export function map(values: TypeNode = scalar, atomic = false): MapType {
  return atomic ? { kind: "map", values, atomic } : { kind: "map", values };
}

export function atomicList(items: TypeNode = scalar, smpKey?: string): ListType {
  return smpKey === undefined
    ? { kind: "list", items, listType: "atomic" }
    : { kind: "list", items, listType: "atomic", smpKey };
}

/** listType=set; strategic merge unions it (patchStrategy=merge on a primitive list). */
export function setList(smpMerge = true): ListType {
  return smpMerge
    ? { kind: "list", items: scalar, listType: "set", smpKey: "" }
    : { kind: "list", items: scalar, listType: "set" };
}

/** listType=map with keys; strategic merge by `smpKey` (default the first key). */
export function listMap(
  keys: string[],
  items: TypeNode,
  smpKey: string | null = keys[0],
  retainKeys = false,
  keyDefaults?: Record<string, string | number>,
): ListType {
  const t: ListType = { kind: "list", items, listType: "map", keys };
  if (keyDefaults) t.keyDefaults = keyDefaults;
  if (smpKey !== null) t.smpKey = smpKey;
  if (retainKeys) t.smpRetainKeys = true;
  return t;
}

/** The type of a field of a struct or map (deduced when unknown). */
export function childType(t: TypeNode | undefined, key: string): TypeNode | undefined {
  if (!t) return undefined;
  if (t.kind === "struct") return t.fields[key] ?? t.unknown;
  if (t.kind === "map") return t.values;
  return undefined;
}

/** What a value's type is, falling back to the deduced type of the value itself. */
export function typeOf(t: TypeNode | undefined, value: unknown): TypeNode {
  if (t) return t;
  if (Array.isArray(value)) return atomicList(deduced);
  if (typeof value === "object" && value !== null) return deduced;
  return scalar;
}
