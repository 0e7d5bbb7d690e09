import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { parseSecrets, secretValues } from "./secret_input.ts";

const usage = (re: RegExp) => (e: unknown) => e instanceof UsageError && re.test(e.message);

Deno.test("reads YAML, multi-document YAML and JSON", () => {
  const yaml = "apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: n}\nstringData: {k: v}\n";
  assert.equal(parseSecrets(yaml).length, 1);
  assert.equal(parseSecrets(`---\n${yaml}---\n${yaml.replace("name: a", "name: b")}---\n`).length, 2);
  const json = JSON.stringify({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "j" },
    data: { k: "dg==" },
  });
  const [s] = parseSecrets(json);
  assert.equal(s.metadata.name, "j");
  assert.deepEqual(new TextDecoder().decode(secretValues(s).get("k")), "v");
});

Deno.test("stringData wins over data for the same key (as the API server merges them)", () => {
  const [s] = parseSecrets(
    "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata: {k: b2xk, only: eA==}\nstringData: {k: new}\n",
  );
  const v = secretValues(s);
  assert.equal(new TextDecoder().decode(v.get("k")), "new");
  assert.equal(new TextDecoder().decode(v.get("only")), "x");
});

Deno.test("refuses what is not a Secret, with a clear reason", () => {
  assert.throws(() => parseSecrets(""), usage(/empty/));
  assert.throws(() => parseSecrets("just text"), usage(/not a Kubernetes object/));
  assert.throws(
    () => parseSecrets("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"),
    usage(/a ConfigMap, not a Secret/),
  );
  assert.throws(
    () => parseSecrets("apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: a}\n"),
    (e) => e instanceof UsageError && /already sealed/.test(e.remedy ?? ""),
  );
  assert.throws(() => parseSecrets("metadata: {name: a}\n"), usage(/without kind/));
  assert.throws(() => parseSecrets("apiVersion: v2\nkind: Secret\n"), usage(/apiVersion v1/));
  assert.throws(() => parseSecrets("{ not: [valid"), usage(/not valid YAML or JSON/));
  assert.throws(() => parseSecrets("---\n---\n"), usage(/no Secret found/));
});

Deno.test("checks data like the API server: base64 values, key names, string values", () => {
  const base = "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n";
  assert.throws(() => parseSecrets(base + "data: {k: 'not base64!'}\n"), usage(/data.k is not base64/));
  assert.throws(() => parseSecrets(base + "stringData: {'bad key': v}\n"), usage(/not a valid Secret key/));
  assert.throws(() => parseSecrets(base + "stringData: {'..': v}\n"), usage(/not a valid Secret key/));
  assert.throws(() => parseSecrets(base + "stringData: {port: 5432}\n"), usage(/must be a string/));
  assert.throws(() => parseSecrets(base + "data: [a]\n"), usage(/mapping/));
  assert.throws(
    () => parseSecrets("apiVersion: v1\nkind: Secret\nmetadata: {name: 3}\n"),
    usage(/metadata.name must be a string/),
  );
  assert.throws(() => parseSecrets(base + "immutable: yes please\n"), usage(/immutable/));
  // Wrapped base64 (as some tools write) is fine.
  const [s] = parseSecrets(base + "data:\n  k: |-\n    aGVs\n    bG8=\n");
  assert.equal(new TextDecoder().decode(secretValues(s).get("k")), "hello");
});
