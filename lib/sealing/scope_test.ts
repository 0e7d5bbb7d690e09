import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import {
  CLUSTER_WIDE_ANNOTATION,
  encryptionLabel,
  NAMESPACE_WIDE_ANNOTATION,
  parseScope,
  scopeFromAnnotations,
  updateScopeAnnotations,
} from "./scope.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("labels match the upstream vectors (sealedsecret_test.go, ns=myns name=myname)", () => {
  assert.equal(text(encryptionLabel("myns", "myname", "strict")), "myns/myname");
  assert.equal(text(encryptionLabel("myns", "myname", "namespace-wide")), "myns");
  assert.equal(encryptionLabel("myns", "myname", "cluster-wide").length, 0);
});

Deno.test("scopeFromAnnotations: cluster-wide wins, only the exact string true counts", () => {
  assert.equal(scopeFromAnnotations(undefined), "strict");
  assert.equal(scopeFromAnnotations({ [NAMESPACE_WIDE_ANNOTATION]: "true" }), "namespace-wide");
  assert.equal(
    scopeFromAnnotations({ [NAMESPACE_WIDE_ANNOTATION]: "true", [CLUSTER_WIDE_ANNOTATION]: "true" }),
    "cluster-wide",
  );
  assert.equal(scopeFromAnnotations({ [CLUSTER_WIDE_ANNOTATION]: "yes" }), "strict");
});

Deno.test("updateScopeAnnotations replaces scope annotations and keeps the rest", () => {
  const start = { a: "1", [CLUSTER_WIDE_ANNOTATION]: "true" };
  assert.deepEqual(updateScopeAnnotations(start, "namespace-wide"), {
    a: "1",
    [NAMESPACE_WIDE_ANNOTATION]: "true",
  });
  assert.deepEqual(updateScopeAnnotations(start, "strict"), { a: "1" });
  assert.deepEqual(start, { a: "1", [CLUSTER_WIDE_ANNOTATION]: "true" }, "input untouched");
});

Deno.test("parseScope accepts the three names and rejects others with a usage error", () => {
  assert.equal(parseScope("cluster-wide"), "cluster-wide");
  assert.throws(() => parseScope("global"), (e) => e instanceof UsageError && e.exitCode === 2);
});
