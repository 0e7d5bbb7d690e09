/**
 * Machine config YAML: documents separated by `---`, written as Talos' encoder writes them (go-yaml's
 * layout and quoting, see `../factory/go_yaml.ts`), and read back strictly (duplicate keys and syntax
 * errors are errors).
 *
 * @example
 * ```ts
 * const text = encodeDocuments([{ version: "v1alpha1" }, { apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "stable" }]);
 * decodeDocuments(text).length; // 2
 * ```
 */
import { parseAllDocuments } from "yaml";
import { goYaml, type GoYamlValue } from "../factory/go_yaml.ts";

/** The multi-document YAML of `docs`. */
export function encodeDocuments(docs: readonly Record<string, unknown>[]): string {
  return docs.map((d) => goYaml(d as GoYamlValue)).join("---\n");
}

/** The documents of a multi-document YAML text; throws with the line of the first syntax error. */
export function decodeDocuments(text: string): Record<string, unknown>[] {
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  if (!Array.isArray(docs)) throw new Error("not a YAML document stream");
  const out: Record<string, unknown>[] = [];
  for (const [i, doc] of docs.entries()) {
    if (doc.errors.length) {
      const e = doc.errors[0];
      throw new Error(`document ${i + 1}, line ${e.linePos?.[0].line ?? "?"}: ${e.message.split("\n")[0]}`);
    }
    const value = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new Error(`document ${i + 1} is not a mapping`);
    }
    out.push(value as Record<string, unknown>);
  }
  return out;
}
