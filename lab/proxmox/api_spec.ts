/**
 * Reads the official PVE API schema (`../shared/specs/proxmox/apidata.js`) for the model generator
 * and the tests. The emulator never loads it at run time (users do not have the spec file).
 *
 * @example
 * ```ts
 * const info = loadApiSchema().get("POST /nodes/{node}/qemu");
 * ```
 */
import type { ParamSpec } from "./api_model.ts";

/** One method of one path, as apidata.js has it. */
export interface ApiMethodInfo {
  name: string;
  parameters?: { properties?: Record<string, Record<string, unknown> & { description?: string }> };
  returns?: Record<string, unknown>;
  permissions?: { check?: unknown[]; user?: string; description?: string };
  proxyto?: string;
  allowtoken?: number;
  protected?: number;
}

export const APIDATA = new URL("../../../shared/specs/proxmox/apidata.js", import.meta.url);

let cache: Map<string, ApiMethodInfo> | undefined;

/** `"<METHOD> <path>"` → method info, for every method in the schema. */
export function loadApiSchema(): Map<string, ApiMethodInfo> {
  if (cache) return cache;
  const text = Deno.readTextFileSync(APIDATA);
  const tree = JSON.parse(text.slice(text.indexOf("["), text.lastIndexOf("]") + 1));
  const index = new Map<string, ApiMethodInfo>();
  const walk = (n: { path: string; info?: Record<string, ApiMethodInfo>; children?: unknown[] }) => {
    for (const [method, info] of Object.entries(n.info ?? {})) index.set(`${method} ${n.path}`, info);
    for (const child of n.children ?? []) walk(child as typeof n);
  };
  for (const node of tree) walk(node);
  return cache = index;
}

/** The fields of a parameter that decide what PVE accepts (descriptions and defaults dropped). */
export const VALIDATION_FIELDS = [
  "type",
  "optional",
  "format",
  "pattern",
  "enum",
  "minimum",
  "maximum",
  "maxLength",
  "minLength",
  "default_key",
  "alias",
  "keyAlias",
  "requires",
] as const;

/** A spec parameter reduced to its validation fields (recursively for property strings). */
export function projectParam(spec: Record<string, unknown>): ParamSpec {
  const out: Record<string, unknown> = {};
  for (const field of VALIDATION_FIELDS) {
    const value = spec[field];
    if (value === undefined) continue;
    if (field === "format" && value && typeof value === "object") {
      out.format = Object.fromEntries(
        Object.entries(value as Record<string, Record<string, unknown>>).map((
          [k, v],
        ) => [k, projectParam(v)]),
      );
    } else {
      out[field] = value;
    }
  }
  return out as ParamSpec;
}
