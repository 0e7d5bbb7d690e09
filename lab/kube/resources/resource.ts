/**
 * What the emulator knows about one resource (built-in or from a CRD): its names, scope, verbs
 * and subresources for discovery, its type model for patches, its field selectors, its
 * defaulting, validation and table printing.
 *
 * @example
 * ```ts
 * const pods = registry.byResource("", "v1", "pods");
 * pods.kind; // "Pod"
 * ```
 */
import type { FieldError } from "../status.ts";
import type { NameRule } from "../names.ts";
import type { StructType } from "../schema/types.ts";
import type { KubeObject } from "../types.ts";

/** What defaulting and validation may look at. */
export interface ResourceContext {
  now: number;
  /** Allocates a ClusterIP for a Service. */
  allocateClusterIp?(): string;
  /** Whether an object exists (e.g. a namespace). */
  get?(group: string, resource: string, namespace: string, name: string): KubeObject | undefined;
}

export interface TableColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format?: string;
  description: string;
  priority: number;
}

export interface TablePrinter {
  columns: TableColumn[];
  row(obj: KubeObject, now: number): unknown[];
}

export interface SubresourceInfo {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceType {
  group: string;
  /** Versions served, the preferred (storage) version first. */
  versions: string[];
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: SubresourceInfo[];
  /** Status is a subresource: writes to the main resource ignore it and vice versa. */
  statusSubresource: boolean;
  /** `metadata.generation` moves on spec changes. */
  tracksGeneration: boolean;
  builtin: boolean;
  nameRule: NameRule;
  /** Type model for a version. */
  typeFor(version: string): StructType;
  /** Extra field selectors (metadata.name and metadata.namespace are always there). */
  fieldSelectors: Record<string, (obj: KubeObject) => string | undefined>;
  /** Message for an unsupported field selector. */
  unsupportedField?(field: string): string;
  defaults?(obj: KubeObject, ctx: ResourceContext, old?: KubeObject): void;
  validate?(obj: KubeObject, old: KubeObject | undefined, ctx: ResourceContext): FieldError[];
  /** Validation of a status write. */
  validateStatus?(obj: KubeObject, old: KubeObject): FieldError[];
  /** Prunes and validates a custom resource against its schema (CRDs only). */
  schemaCheck?(
    obj: KubeObject,
    version: string,
    strict: boolean,
  ): { errors: FieldError[]; unknown: string[]; pruned: string[] };
  table?: TablePrinter;
  /** Whether items in a list carry apiVersion/kind (unstructured lists do). */
  listItemsHaveKind: boolean;
  /** PUT may create the object (endpoints, leases). */
  createOnUpdate?: boolean;
}

/** The group-resource used in error messages. */
export function groupResource(rt: ResourceType): { group: string; resource: string } {
  return { group: rt.group, resource: rt.plural };
}

/** The group-kind used in Invalid errors. */
export function groupKind(rt: ResourceType): { group: string; kind: string } {
  return { group: rt.group, kind: rt.kind };
}

export const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
export const STATUS_VERBS = ["get", "patch", "update"];
