import { assertEquals } from "../../../tests/testing.ts";
import { schemaModel } from "./schema_model.ts";
import { checkDocument, documentLabel, documentType } from "./structure.ts";

const model = schemaModel("v1.13")!;

Deno.test("documents are typed by apiVersion and kind; the legacy document has neither", () => {
  assertEquals(documentType(model, { version: "v1alpha1" }), "v1alpha1.Config");
  assertEquals(
    documentType(model, { apiVersion: "v1alpha1", kind: "LinkConfig", name: "net0" }),
    "network.LinkConfigV1Alpha1",
  );
  assertEquals(documentType(model, { apiVersion: "v1alpha2", kind: "LinkConfig" }), undefined);
  assertEquals(
    documentLabel({ apiVersion: "v1alpha1", kind: "LinkConfig", name: "net0" }),
    "LinkConfig net0",
  );
});

Deno.test("checkDocument: unknown fields with a suggestion, types, enums, patterns, required unless partial", () => {
  const issues = checkDocument(model, {
    version: "v1alpha1",
    machine: { type: "master", install: { disk: 1, wpe: false }, nodeLabels: { a: 1 } },
    cluster: { controlPlane: { endpoint: "http://x" } },
  });
  assertEquals(issues.map((i) => `${i.path}: ${i.message}`), [
    'machine.type: must be one of "controlplane", "worker", not "master"',
    "machine.install.disk: must be a string, not 1",
    "machine.install.wpe: unknown field (did you mean wipe?)",
    "machine.nodeLabels.a: must be a string, not 1",
    'cluster.controlPlane.endpoint: "http://x" must match ^https://',
  ]);
  const link = { apiVersion: "v1alpha1", kind: "LinkConfig", mtu: 9000 };
  assertEquals(checkDocument(model, link).map((i) => `${i.path}: ${i.message}`), ["name: is required"]);
  assertEquals(checkDocument(model, link, { partial: true }), []);
  assertEquals(
    checkDocument(model, { apiVersion: "v1alpha1", kind: "LinkConfog" })[0].message,
    "unknown document kind LinkConfog (apiVersion v1alpha1); did you mean LinkConfig?",
  );
});
