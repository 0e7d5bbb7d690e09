/**
 * strata's compact model of the Talos machine config schema, used to check generated and patched
 * configs at run time (users do not have the official schema file). One entry per `$defs` type of
 * the official schema: the field names, value types, enums, patterns and required fields; no prose.
 * `tests/talos/schema_model_test.ts` proves the model equals the official schema of each version.
 *
 * @example
 * ```ts
 * const model = schemaModel("v1.13");
 * model.defs["v1alpha1.InstallConfig"]; // { props: { disk: "string", … } }
 * ```
 */
import v113 from "./schema_model.v1.13.json" with { type: "json" };

/** The shape of one value in the compact model. */
export type Shape =
  | "string"
  | "integer"
  | "boolean"
  /** any JSON object (free-form, e.g. an embedded Kubernetes config) */
  | "object"
  | { ref: string }
  | { enum: readonly (string | number | boolean)[] }
  /** a string matching this regular expression */
  | { string: string }
  | { array: Shape }
  /** an object with arbitrary keys whose values have this shape */
  | { map: Shape }
  | { oneOf: readonly Shape[] }
  /** a closed object: only these fields */
  | { props: Readonly<Record<string, Shape>>; required?: readonly string[] };

/** The model of one schema version. */
export interface SchemaModel {
  /** Types by name, e.g. `v1alpha1.Config`, `network.LinkConfigV1Alpha1`. */
  defs: Readonly<Record<string, Shape>>;
  /** The document types a config may contain (the root `oneOf`). */
  documents: readonly string[];
}

const MODELS: Record<string, SchemaModel> = { "v1.13": v113 as unknown as SchemaModel };

/** The model for a Talos minor version (`v1.13`); undefined when strata has none. */
export function schemaModel(minor: string): SchemaModel | undefined {
  return MODELS[minor];
}
