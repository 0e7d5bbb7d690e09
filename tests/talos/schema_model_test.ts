/** strata's compact schema model equals the official Talos schema, type by type. */
import { schemaModel } from "../../lib/talos/machineconfig/schema_model.ts";
import { assertEquals } from "../testing.ts";
import { schema } from "./helpers.ts";
import { compactSchema } from "./schema_compact.ts";

Deno.test("the v1.13 model is the official v1.13.9 schema in compact form (every type, field, enum, pattern)", () => {
  const expected = compactSchema(schema);
  const model = schemaModel("v1.13")!;
  assertEquals(Object.keys(model.defs).sort(), Object.keys(expected.defs).sort(), "types");
  for (const name of Object.keys(expected.defs)) assertEquals(model.defs[name], expected.defs[name], name);
  assertEquals(model.documents, expected.documents, "document kinds");
});
