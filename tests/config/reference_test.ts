/** docs/config-reference.md documents every field of the config, as the JSON Schema lists them. */
import { configJsonSchema } from "../../lib/config/mod.ts";
import { LAB_SYSTEMS } from "../../lib/config/mod.ts";
import { assert, assertEquals } from "../testing.ts";

type Json = { type?: string; properties?: Record<string, Json>; items?: Json };

/** Dotted paths of every property (`nodes[].memory`), lab fault systems folded into `<system>`. */
function fieldPaths(node: Json, prefix = ""): string[] {
  if (node.type === "array" && node.items) return fieldPaths(node.items, `${prefix}[]`);
  if (node.type !== "object" || !node.properties) return [];
  return Object.entries(node.properties).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    // monitor definitions are the edge Worker's; docs/edge-monitor.md describes them
    if (/^monitors\.(monitors|maintenance)$/.test(path)) return [path];
    return [path, ...fieldPaths(child, path)];
  });
}

Deno.test("docs/config-reference.md has a row for every config field", () => {
  const doc = Deno.readTextFileSync(new URL("../../docs/config-reference.md", import.meta.url));
  const systems = new RegExp(`^lab\\.faults\\.(${LAB_SYSTEMS.join("|")})`);
  const paths = [
    ...new Set(fieldPaths(configJsonSchema() as Json).map((p) => p.replace(systems, "lab.faults.<system>"))),
  ];
  assert(paths.length > 80, `only ${paths.length} fields found`);
  assertEquals(paths.filter((p) => !doc.includes(`| \`${p}\``)), []);
});
