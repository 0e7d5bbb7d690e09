import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { X509Certificate } from "node:crypto";
import Ajv from "ajv";
import { parse } from "yaml";
import { UsageError } from "../errors.ts";
import { generateSealedSecretsKey } from "../keys/sealed_secrets_key.ts";
import { sealingKeyFromCertificate } from "./certificate.ts";
import {
  CLUSTER_WIDE_ANNOTATION,
  encryptionLabel,
  NAMESPACE_WIDE_ANNOTATION,
  type SealingScope,
} from "./scope.ts";
import { formatSealedSecret, type SealedSecret, sealRaw, sealSecret } from "./seal.ts";
import { parseSecrets } from "./secret_input.ts";
import { referenceHybridDecrypt, tryUnseal } from "./testing.ts";

const SPECS = new URL("../../../shared/specs/sealed-secrets/", import.meta.url);
const NOW = new Date("2026-06-01T00:00:00Z");
const key = await generateSealedSecretsKey({ bits: 2048, now: new Date("2026-01-01T00:00:00Z") });
const publicKey = sealingKeyFromCertificate(key.certificate, NOW);

const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: apps
  labels: { app: db }
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"password":"c2VjcmV0"}}'
    team: storage
  uid: 0b9c6f1e-0000-0000-0000-000000000000
  resourceVersion: "42"
  creationTimestamp: "2024-01-01T00:00:00Z"
  ownerReferences: [{ apiVersion: v1, kind: Pod, name: x, uid: y }]
type: kubernetes.io/basic-auth
data:
  password: c2VjcmV0          # "secret"
stringData:
  username: admin
`;

/** The controller's view (WIRE-FORMAT §3): the label comes from the SealedSecret's own metadata. */
function controllerLabel(s: SealedSecret): string {
  const a = s.metadata.annotations ?? {};
  const ns = s.metadata.namespace ?? "";
  if (a[CLUSTER_WIDE_ANNOTATION] === "true") return "";
  if (a[NAMESPACE_WIDE_ANNOTATION] === "true") return ns;
  return `${ns}/${s.metadata.name}`;
}

function unsealAll(s: SealedSecret, privateKey = key.privateKey): Record<string, string | undefined> {
  const label = controllerLabel(s);
  return Object.fromEntries(
    Object.entries(s.spec.encryptedData).map(([k, v]) => [k, tryUnseal(privateKey, v, label)]),
  );
}

Deno.test("strict round trip: the controller's decryption (written from the spec) recovers every value", async () => {
  const [secret] = parseSecrets(SECRET);
  const sealed = await sealSecret(secret, publicKey);
  assert.deepEqual(unsealAll(sealed), { password: "secret", username: "admin" });
  assert.equal(sealed.metadata.annotations, undefined, "strict has no scope annotation");
  assert.equal(controllerLabel(sealed), "apps/db");
});

Deno.test("template keeps user metadata and type, drops server fields, ownerReferences and last-applied", async () => {
  const [secret] = parseSecrets(SECRET);
  const sealed = await sealSecret(secret, publicKey);
  assert.deepEqual(sealed.spec.template, {
    metadata: {
      name: "db",
      namespace: "apps",
      creationTimestamp: null,
      labels: { app: "db" },
      annotations: { team: "storage" },
    },
    type: "kubernetes.io/basic-auth",
  });
  const text = formatSealedSecret(sealed, "json");
  assert.ok(!text.includes("c2VjcmV0") && !text.includes("admin"), "no plaintext leaks into the output");
});

for (const scope of ["strict", "namespace-wide", "cluster-wide"] as SealingScope[]) {
  Deno.test(`${scope}: annotations, label, and which (namespace, name) can decrypt`, async () => {
    const [secret] = parseSecrets(SECRET);
    const sealed = await sealSecret(secret, publicKey, { scope });
    const expectAnno = scope === "strict"
      ? undefined
      : { [scope === "cluster-wide" ? CLUSTER_WIDE_ANNOTATION : NAMESPACE_WIDE_ANNOTATION]: "true" };
    assert.deepEqual(sealed.metadata.annotations, expectAnno);
    // The template carries the scope annotation too (kubeseal sets it on the Secret before copying).
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(sealed.spec.template.metadata.annotations ?? {}).filter(([k]) => k !== "team"),
      ),
      expectAnno ?? {},
    );
    const opens = (s: SealedSecret) =>
      tryUnseal(key.privateKey, s.spec.encryptedData.password, controllerLabel(s)) === "secret";
    const moved = (name: string, namespace: string) => ({
      ...sealed,
      metadata: { ...sealed.metadata, name, namespace },
    });
    // The kubeseal TestRaw matrix, seen from the controller (label from the SealedSecret's own metadata).
    assert.equal(opens(sealed), true);
    assert.equal(opens(moved("other", "apps")), scope !== "strict", "renamed");
    assert.equal(opens(moved("db", "elsewhere")), scope === "cluster-wide", "moved to another namespace");
    assert.equal(opens(moved("other", "elsewhere")), scope === "cluster-wide");
    // And the label bytes are the documented ones.
    const label = { strict: "apps/db", "namespace-wide": "apps", "cluster-wide": "" }[scope];
    assert.equal(new TextDecoder().decode(encryptionLabel("apps", "db", scope)), label);
    assert.equal(tryUnseal(key.privateKey, sealed.spec.encryptedData.password, label), "secret");
  });
}

Deno.test('scope from the Secret\'s own annotations; cluster-wide wins; value must be exactly "true"', async () => {
  const withAnno = (a: Record<string, string>) =>
    parseSecrets(JSON.stringify({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "n", namespace: "ns", annotations: a },
      stringData: { k: "v" },
    }))[0];
  const both = await sealSecret(
    withAnno({ [CLUSTER_WIDE_ANNOTATION]: "true", [NAMESPACE_WIDE_ANNOTATION]: "true" }),
    publicKey,
  );
  assert.deepEqual(both.metadata.annotations, { [CLUSTER_WIDE_ANNOTATION]: "true" });
  assert.equal(tryUnseal(key.privateKey, both.spec.encryptedData.k, ""), "v");
  const notTrue = await sealSecret(withAnno({ [NAMESPACE_WIDE_ANNOTATION]: "True" }), publicKey);
  assert.equal(notTrue.metadata.annotations, undefined);
  assert.equal(tryUnseal(key.privateKey, notTrue.spec.encryptedData.k, "ns/n"), "v");
  // An explicit --scope replaces the annotations.
  const forced = await sealSecret(withAnno({ [CLUSTER_WIDE_ANNOTATION]: "true" }), publicKey, {
    scope: "namespace-wide",
  });
  assert.deepEqual(forced.metadata.annotations, { [NAMESPACE_WIDE_ANNOTATION]: "true" });
});

Deno.test("cluster-wide needs no namespace; strict and namespace-wide do", async () => {
  const [noNs] = parseSecrets("apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {a: b}\n");
  const sealed = await sealSecret(noNs, publicKey, { scope: "cluster-wide" });
  assert.equal(sealed.metadata.namespace, undefined);
  assert.equal(tryUnseal(key.privateKey, sealed.spec.encryptedData.a, ""), "b");
  for (const scope of ["strict", "namespace-wide"] as const) {
    await assert.rejects(
      () => sealSecret(noNs, publicKey, { scope }),
      (e) => e instanceof UsageError && /namespace/.test(e.message),
    );
  }
  const filled = await sealSecret(noNs, publicKey, { namespace: "given" });
  assert.equal(filled.metadata.namespace, "given");
  assert.equal(tryUnseal(key.privateKey, filled.spec.encryptedData.a, "given/x"), "b");
  const [inNs] = parseSecrets(SECRET);
  await assert.rejects(() => sealSecret(inNs, publicKey, { namespace: "other" }), /namespace mismatch/);
  const [noName] = parseSecrets(
    "apiVersion: v1\nkind: Secret\nmetadata: {namespace: n}\nstringData: {a: b}\n",
  );
  await assert.rejects(() => sealSecret(noName, publicKey), /no metadata.name/);
  const renamed = await sealSecret(noName, publicKey, { name: "given" });
  assert.equal(tryUnseal(key.privateKey, renamed.spec.encryptedData.a, "n/given"), "b");
  const [empty] = parseSecrets("apiVersion: v1\nkind: Secret\nmetadata: {name: e, namespace: n}\n");
  await assert.rejects(() => sealSecret(empty, publicKey), /no data/);
  assert.deepEqual((await sealSecret(empty, publicKey, { allowEmptyData: true })).spec.encryptedData, {});
});

Deno.test("raw values: label per scope and the required flags", async () => {
  const v = new TextEncoder().encode("raw-value");
  const strict = await sealRaw(v, publicKey, { scope: "strict", name: "n", namespace: "ns" });
  assert.equal(tryUnseal(key.privateKey, strict, "ns/n"), "raw-value");
  const nsWide = await sealRaw(v, publicKey, { scope: "namespace-wide", namespace: "ns" });
  assert.equal(tryUnseal(key.privateKey, nsWide, "ns"), "raw-value");
  const cw = await sealRaw(v, publicKey, { scope: "cluster-wide" });
  assert.equal(tryUnseal(key.privateKey, cw, ""), "raw-value");
  await assert.rejects(() => sealRaw(v, publicKey, { scope: "strict", namespace: "ns" }), /needs --name/);
  await assert.rejects(() => sealRaw(v, publicKey, { scope: "namespace-wide" }), /needs --namespace/);
});

Deno.test("upstream test certificate: modulus equals the decimal vector; sealing to it has a 512-byte RSA block", async () => {
  const pem = await Deno.readTextFile(new URL("test-vectors/kubeseal_test.testCert.pem", SPECS));
  const decimal =
    (await Deno.readTextFile(new URL("test-vectors/kubeseal_test.testModulus.decimal.txt", SPECS))).trim();
  const pub = sealingKeyFromCertificate(pem, NOW);
  const jwk = pub.export({ format: "jwk" });
  assert.equal(BigInt("0x" + Buffer.from(jwk.n!, "base64url").toString("hex")).toString(), decimal);
  assert.equal(Buffer.from(jwk.e!, "base64url").toString("hex"), "010001");
  const raw = Buffer.from(
    await sealRaw(new TextEncoder().encode("x"), pub, { scope: "cluster-wide" }),
    "base64",
  );
  assert.deepEqual([raw[0], raw[1]], [0x02, 0x00]);
  assert.equal(raw.length, 2 + 512 + 1 + 16);
  const [secret] = parseSecrets(SECRET);
  const sealed = await sealSecret(secret, pub);
  for (const v of Object.values(sealed.spec.encryptedData)) assert.ok(v.startsWith("Ag"));
});

Deno.test("output validates against the SealedSecret CRD's openAPIV3Schema (JSON and YAML forms)", async () => {
  const crd = parse(await Deno.readTextFile(new URL("bitnami.com_sealedsecrets.crd.yaml", SPECS)));
  const version = crd.spec.versions.find((v: { name: string }) => v.name === "v1alpha1");
  const ajv = new Ajv.default({ strict: true, allErrors: true });
  for (
    const kw of [
      "x-kubernetes-preserve-unknown-fields",
      "x-kubernetes-int-or-string",
      "x-kubernetes-list-type",
    ]
  ) {
    ajv.addKeyword(kw);
  }
  ajv.addFormat("byte", /^[A-Za-z0-9+/]*={0,2}$/);
  ajv.addFormat("date-time", true);
  ajv.addFormat("int64", true);
  // Ajv implements OpenAPI's `nullable` itself.
  const validate = ajv.compile(version.schema.openAPIV3Schema);
  assert.equal(crd.spec.group, "bitnami.com");
  assert.equal(crd.spec.names.kind, "SealedSecret");
  for (const scope of ["strict", "namespace-wide", "cluster-wide"] as const) {
    const sealed = await sealSecret(parseSecrets(SECRET)[0], publicKey, { scope });
    assert.equal(sealed.apiVersion, `${crd.spec.group}/${version.name}`);
    for (
      const doc of [JSON.parse(formatSealedSecret(sealed, "json")), parse(formatSealedSecret(sealed, "yaml"))]
    ) {
      assert.ok(validate(doc), JSON.stringify(validate.errors));
    }
  }
  // The validator is not vacuous: a SealedSecret without encryptedData is rejected.
  assert.equal(
    validate({ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", spec: { template: {} } }),
    false,
  );
  assert.equal(
    validate({ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", spec: { encryptedData: { a: 1 } } }),
    false,
  );
});

Deno.test("formats: JSON in Go field order with a newline; YAML after --- with sorted keys", async () => {
  const sealed = await sealSecret(parseSecrets(SECRET)[0], publicKey, { scope: "namespace-wide" });
  const json = formatSealedSecret(sealed, "json");
  assert.ok(json.endsWith("}\n"));
  assert.deepEqual(Object.keys(JSON.parse(json)), ["kind", "apiVersion", "metadata", "spec"]);
  assert.deepEqual(Object.keys(JSON.parse(json).spec), ["template", "encryptedData"]);
  const yaml = formatSealedSecret(sealed, "yaml");
  assert.ok(
    yaml.startsWith("---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  annotations:\n"),
  );
  assert.match(yaml, /creationTimestamp: null/);
  assert.deepEqual(parse(yaml), JSON.parse(json));
});

Deno.test("a third implementation agrees: openssl decrypts the RSA-OAEP block with the label (when installed)", async () => {
  const ct = Buffer.from(
    await sealRaw(new TextEncoder().encode("via openssl"), publicKey, {
      scope: "strict",
      name: "n",
      namespace: "ns",
    }),
    "base64",
  );
  const rsaLen = ct.readUInt16BE(0);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/key.pem`, key.privateKey);
    await Deno.writeFile(`${dir}/rsa.bin`, ct.subarray(2, 2 + rsaLen));
    const out = await new Deno.Command("openssl", {
      args: [
        "pkeyutl",
        "-decrypt",
        "-inkey",
        `${dir}/key.pem`,
        "-in",
        `${dir}/rsa.bin`,
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        "rsa_oaep_md:sha256",
        "-pkeyopt",
        "rsa_mgf1_md:sha256",
        "-pkeyopt",
        `rsa_oaep_label:${Buffer.from("ns/n").toString("hex")}`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output().catch((e) => {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    });
    if (!out) return; // openssl not installed
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    assert.equal(out.stdout.length, 32, "a 32-byte session key");
    // With that session key, GCM with a zero nonce opens the rest.
    const { createDecipheriv } = await import("node:crypto");
    const aes = ct.subarray(2 + rsaLen);
    const d = createDecipheriv("aes-256-gcm", out.stdout, Buffer.alloc(12));
    d.setAuthTag(aes.subarray(aes.length - 16));
    assert.equal(
      Buffer.concat([d.update(aes.subarray(0, aes.length - 16)), d.final()]).toString(),
      "via openssl",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.ok(referenceHybridDecrypt(key.privateKey, ct, new TextEncoder().encode("ns/n")));
});

Deno.test("the certificate's key is what seals: sealing to another controller's cert cannot be opened", async () => {
  const other = await generateSealedSecretsKey({ bits: 2048 });
  const sealed = await sealSecret(parseSecrets(SECRET)[0], sealingKeyFromCertificate(other.certificate, NOW));
  assert.deepEqual(unsealAll(sealed), { password: undefined, username: undefined });
  assert.deepEqual(unsealAll(sealed, other.privateKey), { password: "secret", username: "admin" });
  assert.ok(new X509Certificate(other.certificate).publicKey);
});
