/**
 * Puts document keys in the order Talos writes them: struct fields in declaration order (the order
 * of the schema model's fields) and map keys sorted as go-yaml sorts them. After patches add fields,
 * the output still reads like a config Talos encoded.
 *
 * @example
 * ```ts
 * canonicalOrder(model, { machine: { install: { image: "x", disk: "/dev/sda" } } });
 * // { machine: { install: { disk: "/dev/sda", image: "x" } } }
 * ```
 */
import { goKeyCompare } from "../factory/go_yaml.ts";
import type { SchemaModel, Shape } from "./schema_model.ts";
import { documentType } from "./structure.ts";

/** A copy of `doc` with keys in Talos' order; unknown fields keep their place at the end. */
export function canonicalOrder(model: SchemaModel, doc: Record<string, unknown>): Record<string, unknown> {
  const type = documentType(model, doc);
  return type ? order(model, { ref: type }, doc) as Record<string, unknown> : doc;
}

function order(model: SchemaModel, shape: Shape, value: unknown): unknown {
  if (typeof shape === "string") return shape === "object" ? sortDeep(value) : value;
  if ("ref" in shape) return model.defs[shape.ref] ? order(model, model.defs[shape.ref], value) : value;
  if ("array" in shape) return Array.isArray(value) ? value.map((v) => order(model, shape.array, v)) : value;
  if ("map" in shape) {
    if (!isMap(value)) return value;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort(goKeyCompare)) out[k] = order(model, shape.map, value[k]);
    return out;
  }
  if ("props" in shape) {
    if (!isMap(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, field] of Object.entries(shape.props)) {
      if (k in value) out[k] = order(model, field, value[k]);
    }
    for (const k of Object.keys(value)) if (!(k in out)) out[k] = value[k];
    return out;
  }
  return value;
}

/** Free-form maps (`map[string]any` in Go) are written with sorted keys at every level. */
function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (!isMap(value)) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort(goKeyCompare)) out[k] = sortDeep(value[k]);
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
