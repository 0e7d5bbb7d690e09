/**
 * Checks a machine config (YAML text or documents) the way Talos checks one it is given: the schema
 * of its version (through strata's compact model) and Talos' own rules. For strata's generator and
 * for the lab's Talos emulator, which must refuse what a real node refuses.
 *
 * @example
 * ```ts
 * const issues = validateMachineConfig(yaml, { talosVersion: "v1.13.9" });
 * if (issues.length) console.error(issues.map(formatIssue).join("\n"));
 * ```
 */
import { talosContract } from "./contract.ts";
import { schemaModel } from "./schema_model.ts";
import { checkSemantics } from "./semantics.ts";
import { checkDocument, type ConfigIssue } from "./structure.ts";
import { decodeDocuments } from "./yaml.ts";

export type { ConfigIssue };
export { formatIssue } from "./patches.ts";

/** Every issue found; empty when the config is valid. YAML syntax errors are one issue. */
export function validateMachineConfig(
  input: string | readonly Record<string, unknown>[],
  opts: { talosVersion?: string } = {},
): ConfigIssue[] {
  const contract = talosContract(opts.talosVersion);
  const model = schemaModel(contract.minor)!;
  let docs: readonly Record<string, unknown>[];
  try {
    docs = typeof input === "string" ? decodeDocuments(input) : input;
  } catch (err) {
    return [{ document: "", path: "", message: `not valid YAML: ${(err as Error).message}` }];
  }
  const structural = docs.flatMap((d) => checkDocument(model, d));
  return [...structural, ...checkSemantics(docs)];
}
