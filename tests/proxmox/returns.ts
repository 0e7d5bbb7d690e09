/**
 * Checks an API answer against the `returns` schema of its method in apidata.js: types, required
 * properties, enums, array items (PVE's JSON has booleans as 0/1). Returns the problems found.
 */
import { loadApiSchema } from "../../lab/proxmox/api_spec.ts";

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  optional?: number;
  enum?: unknown[];
  format?: unknown;
};

function check(schema: Schema, value: unknown, path: string, out: string[]) {
  if (value === null || value === undefined) {
    if (schema.type !== "null" && !schema.optional) out.push(`${path}: missing`);
    return;
  }
  switch (schema.type) {
    case "object":
      if (typeof value !== "object" || Array.isArray(value)) return void out.push(`${path}: not an object`);
      for (const [k, s] of Object.entries(schema.properties ?? {})) {
        check(s, (value as Record<string, unknown>)[k], `${path}.${k}`, out);
      }
      return;
    case "array":
      if (!Array.isArray(value)) return void out.push(`${path}: not an array`);
      value.forEach((v, i) => schema.items && check(schema.items, v, `${path}[${i}]`, out));
      return;
    case "string":
      if (typeof value !== "string") out.push(`${path}: ${JSON.stringify(value)} is not a string`);
      break;
    case "integer":
      if (!Number.isInteger(value)) out.push(`${path}: ${JSON.stringify(value)} is not an integer`);
      break;
    case "number":
      if (typeof value !== "number") out.push(`${path}: ${JSON.stringify(value)} is not a number`);
      break;
    case "boolean":
      if (![0, 1, true, false].includes(value as number)) {
        out.push(`${path}: ${JSON.stringify(value)} is not a boolean`);
      }
      break;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    out.push(`${path}: ${JSON.stringify(value)} is not in the enum`);
  }
}

/** Problems of `data` as the answer of `endpoint` ("GET /nodes/{node}/qemu"); empty when it conforms. */
export function returnProblems(endpoint: string, data: unknown): string[] {
  const info = loadApiSchema().get(endpoint);
  if (!info) return [`${endpoint} is not in apidata.js`];
  const out: string[] = [];
  check((info.returns ?? {}) as Schema, data, "data", out);
  return out;
}
