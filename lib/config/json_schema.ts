/**
 * The JSON Schema of the config file, for editor completion (`deno task schema`).
 *
 * @example
 * ```ts
 * Deno.writeTextFileSync("strata.schema.json", JSON.stringify(configJsonSchema(), null, 2));
 * ```
 */
import { z } from "zod";
import { ConfigSchema } from "./schema.ts";

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ConfigSchema, { io: "input", target: "draft-2020-12" }),
    title: "strata cluster config",
  };
}
