/** The emulator's API model against the official schema (apidata.js), field by field. */
import { assert, assertEquals } from "../../tests/testing.ts";
import { API_MODEL, type ParamSpec } from "./api_model.ts";
import { indexRange, SELECTION } from "./api_model_gen.ts";
import { loadApiSchema, projectParam } from "./api_spec.ts";
import { FORMATS, type HashFormat } from "./formats.ts";

/** JSON with sorted keys: field order does not matter, values do. */
function canonical(value: unknown): string {
  return JSON.stringify(
    value,
    (_, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
        : v,
  );
}

Deno.test("every modeled parameter has exactly the spec's type, optionality, format, pattern, enum and bounds", () => {
  const spec = loadApiSchema();
  const diffs: string[] = [];
  for (const [endpoint, model] of Object.entries(API_MODEL)) {
    const info = spec.get(endpoint);
    assert(info, `${endpoint} is not in apidata.js`);
    assertEquals(model.name, info.name, `${endpoint} handler name`);
    const props = info.parameters?.properties ?? {};
    for (const [name, p] of Object.entries(model.params)) {
      if (!props[name]) diffs.push(`${endpoint} ${name}: not in the spec`);
      else if (canonical(p) !== canonical(projectParam(props[name]))) {
        diffs.push(
          `${endpoint} ${name}: model ${canonical(p)} ≠ spec ${canonical(projectParam(props[name]))}`,
        );
      }
    }
    // every parameter PVE accepts is either validated or explicitly not emulated (never silently accepted)
    const known = [...Object.keys(model.params), ...(model.unmodeled ?? [])].sort();
    assertEquals(
      known,
      Object.keys(props).sort(),
      `${endpoint}: modeled + unmodeled = the spec's parameters`,
    );
    assertEquals(
      Object.keys(model.params).filter((p) => model.unmodeled?.includes(p)),
      [],
      `${endpoint}: a parameter is both modeled and unmodeled`,
    );
  }
  assertEquals(diffs, []);
});

Deno.test("permissions, proxy target and token use are the spec's", () => {
  const spec = loadApiSchema();
  for (const [endpoint, model] of Object.entries(API_MODEL)) {
    const info = spec.get(endpoint)!;
    const perm = info.permissions ?? {};
    assertEquals(model.permissions, {
      ...(perm.check ? { check: perm.check } : {}),
      ...(perm.user ? { user: perm.user } : {}),
    }, endpoint);
    assertEquals(model.proxyto, info.proxyto, `${endpoint} proxyto`);
    assertEquals(model.allowtoken, info.allowtoken, `${endpoint} allowtoken`);
  }
});

Deno.test("index ranges of scsi[n]-style parameters follow the spec's descriptions", () => {
  const spec = loadApiSchema();
  for (const [endpoint, model] of Object.entries(API_MODEL)) {
    const props = spec.get(endpoint)!.parameters?.properties ?? {};
    for (const [name, count] of Object.entries(model.indexed ?? {})) {
      assertEquals(count, indexRange(name, props[name].description), `${endpoint} ${name}`);
    }
    for (const name of Object.keys(model.params).filter((n) => n.endsWith("[n]"))) {
      assert(model.indexed?.[name], `${endpoint} ${name} has no index range`);
    }
  }
  assertEquals(API_MODEL["POST /nodes/{node}/qemu"].indexed?.["scsi[n]"], 31);
  assertEquals(API_MODEL["POST /nodes/{node}/qemu"].indexed?.["virtio[n]"], 16);
});

Deno.test("the model covers the selection of the generator, and every named format has a validator", () => {
  assertEquals(Object.keys(API_MODEL).sort(), Object.keys(SELECTION).sort());
  const missing = new Set<string>();
  const visit = (p: ParamSpec) => {
    if (typeof p.format === "string") {
      const name = /^(.*?)(?:-(list|opt))?$/.exec(p.format)![1];
      const f = FORMATS[name];
      if (!f) missing.add(p.format);
      else if (typeof f !== "function") Object.values((f as HashFormat).keys).forEach(visit);
    } else if (p.format) Object.values(p.format).forEach(visit);
  };
  for (const e of Object.values(API_MODEL)) Object.values(e.params).forEach(visit);
  assertEquals([...missing], []);
});
