/**
 * Converts the official Talos config JSON schema into strata's compact model form
 * (`lib/talos/machineconfig/schema_model.ts`), so a test can prove the committed model equals the spec.
 * Fails on any schema construct the compact form does not cover.
 */
import type { Shape } from "../../lib/talos/machineconfig/schema_model.ts";

const IGNORED = new Set([
  "description",
  "markdownDescription",
  "x-intellij-html-description",
  "title",
  "examples",
]);

// deno-lint-ignore no-explicit-any
type Json = any;

/** The compact form of one schema node. */
export function compactShape(node: Json, where: string): Shape {
  const keys = Object.keys(node).filter((k) => !IGNORED.has(k) && k !== "format").sort().join(",");
  const fail = () => {
    throw new Error(`${where}: schema construct not covered by the compact model: ${keys}`);
  };
  switch (keys) {
    case "$ref":
      return { ref: String(node.$ref).replace("#/$defs/", "") };
    case "enum":
      return { enum: node.enum };
    case "oneOf":
      return { oneOf: node.oneOf.map((s: Json, i: number) => compactShape(s, `${where}.oneOf[${i}]`)) };
    case "type":
      if (["string", "integer", "boolean", "object"].includes(node.type)) return node.type;
      return fail();
    case "pattern,type":
      if (node.type !== "string") fail();
      return { string: node.pattern };
    case "items,type":
      return { array: compactShape(node.items, `${where}[]`) };
    case "patternProperties,type": {
      const pp = Object.keys(node.patternProperties);
      if (pp.length !== 1 || pp[0] !== ".*") fail();
      return { map: compactShape(node.patternProperties[".*"], `${where}.*`) };
    }
    case "additionalProperties,type":
      if (node.type === "string" && node.additionalProperties === false) return "string";
      if (node.type !== "object" || typeof node.additionalProperties !== "object") fail();
      return { map: compactShape(node.additionalProperties, `${where}.*`) };
    case "additionalProperties,properties,type":
    case "additionalProperties,properties,required,type": {
      if (node.type !== "object" || node.additionalProperties !== false) fail();
      const props: Record<string, Shape> = {};
      for (const [k, v] of Object.entries(node.properties)) props[k] = compactShape(v, `${where}.${k}`);
      return node.required ? { props, required: node.required } : { props };
    }
  }
  return fail();
}

/** Every `$defs` entry in compact form, plus the document kinds of the root `oneOf`. */
export function compactSchema(schema: Json): { defs: Record<string, Shape>; documents: string[] } {
  const defs: Record<string, Shape> = {};
  for (const [name, def] of Object.entries(schema.$defs)) defs[name] = compactShape(def, name);
  const documents = schema.oneOf.map((r: Json) => String(r.$ref).replace("#/$defs/", ""));
  return { defs, documents };
}
