/**
 * The JSON Schema (draft 2020-12) of the config file, generated from the zod schema, for editor
 * completion and validation (`deno task schema`). It describes the file as written (defaults are
 * optional) with a description on every field; the cross-field rules are only in strata itself.
 *
 * @example
 * ```ts
 * // .vscode/settings.json: "yaml.schemas": { "./strata.schema.json": "cluster.yaml" }
 * Deno.writeTextFileSync("strata.schema.json", JSON.stringify(configJsonSchema(), null, 2));
 * ```
 */
import { z } from "zod";
import { ConfigSchema } from "./schema.ts";

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ConfigSchema, { io: "input", target: "draft-2020-12" });
  return {
    $schema: schema.$schema,
    $id: "https://github.com/strata/strata/cluster.schema.json",
    title: "strata cluster config",
    description:
      "One cluster's config (cluster.yaml). Holds no secrets. Reference: docs/config-reference.md.",
    ...schema,
  };
}
