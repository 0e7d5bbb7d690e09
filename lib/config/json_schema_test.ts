import Ajv2020 from "ajv/dist/2020.js";
import { parse } from "yaml";
import { assert, assertEquals } from "../../tests/testing.ts";
import { exampleText, MINIMAL } from "../../tests/config/helpers.ts";
import { configJsonSchema } from "./json_schema.ts";

type Json = Record<string, unknown>;

function compile() {
  const ajv = new Ajv2020.default({
    strict: true,
    allErrors: true,
    formats: {
      uri: (s: string) => URL.canParse(s),
      "date-time": /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/,
    },
  });
  return { ajv, validate: ajv.compile(configJsonSchema()) };
}

/** Every subschema with its JSON pointer-ish location. */
function* walk(node: unknown, at = "#"): Generator<[string, Json]> {
  if (!node || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const [i, n] of node.entries()) yield* walk(n, `${at}/${i}`);
    return;
  }
  yield [at, node as Json];
  for (const [k, v] of Object.entries(node)) yield* walk(v, `${at}/${k}`);
}

Deno.test("the JSON Schema is valid draft 2020-12 and compiles in ajv's strict mode", () => {
  const { ajv } = compile();
  const schema = configJsonSchema();
  assertEquals(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
  assert(ajv.validateSchema(schema), JSON.stringify(ajv.errors));
});

Deno.test("the JSON Schema accepts both examples and a minimal config", () => {
  const { validate } = compile();
  for (const text of [exampleText("lab.yaml"), exampleText("homelab.yaml"), MINIMAL]) {
    assert(validate(parse(text)), JSON.stringify(validate.errors));
  }
});

Deno.test("the JSON Schema rejects unknown keys, bad formats and bad enum values, as strata does", () => {
  const { validate } = compile();
  const base = parse(MINIMAL);
  const variants: ((c: Json & { nodes: Json[]; cluster: Json }) => void)[] = [
    (c) => (c.cluster.typo = 1),
    (c) => (c.nodes[0].memroy = "4GiB"),
    (c) => (c.nodes[0].memory = "4GB"),
    (c) => (c.nodes[0].role = "master"),
    (c) => (c.nodes[0].mac = "BC-24-11-00-01-11"),
    (c) => (c.lab = { faults: { proxmox: { errorRate: 2 } } }),
  ];
  for (const change of variants) {
    const config = structuredClone(base);
    change(config);
    assert(!validate(config), `accepted: ${change}`);
  }
});

Deno.test("every mapping is closed (additionalProperties: false) and every field strata owns is described", () => {
  const schema = configJsonSchema();
  const undocumented: string[] = [];
  for (const [at, node] of walk(schema)) {
    if (node.type === "object" && node.properties) {
      assertEquals(node.additionalProperties, false, `${at} is open`);
      // monitor definitions come from the edge Worker's own schema (workers/monitor)
      if (/\/monitors\/properties\/(monitors|maintenance)\//.test(at)) continue;
      for (const [key, prop] of Object.entries(node.properties as Record<string, Json>)) {
        if (!prop.description) undocumented.push(`${at}/properties/${key}`);
      }
    }
  }
  assertEquals(undocumented, []);
});
