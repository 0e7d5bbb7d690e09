import { Buffer } from "node:buffer";
import { parse } from "yaml";
import { assert, assertEquals, assertMatch } from "../../tests/testing.ts";
import { generateTalosAdminCertificate, generateTalosSecrets, parseTalosSecrets } from "./secrets.ts";
import { parseTalosconfig, talosconfig, talosconfigYaml } from "./talosconfig.ts";

const bundle = parseTalosSecrets(
  await Deno.readTextFile(
    new URL("../../../shared/specs/talos/examples/stability-secrets-bundle.yaml", import.meta.url),
  ),
);
const admin = await generateTalosAdminCertificate(bundle, { now: new Date("2024-01-01T00:00:00Z") });

function throws(fn: () => unknown, re: RegExp) {
  try {
    fn();
  } catch (err) {
    assertMatch((err as Error).message, re);
    return;
  }
  throw new Error("expected an error");
}

Deno.test("talosconfig: context named after the cluster, control plane endpoints, base64 PEMs, talosctl's layout", () => {
  const text = talosconfigYaml({
    cluster: "homelab",
    endpoints: ["10.0.1.11", "10.0.1.12", "10.0.1.13"],
    nodes: ["10.0.1.11"],
    vip: "10.0.3.10",
    ca: admin.ca,
    crt: admin.crt,
    key: admin.key,
  });
  const doc = parse(text);
  assertEquals(Object.keys(doc), ["context", "contexts"]);
  assertEquals(doc.context, "homelab");
  assertEquals(Object.keys(doc.contexts), ["homelab"]);
  const ctx = doc.contexts.homelab;
  assertEquals(Object.keys(ctx), ["endpoints", "nodes", "ca", "crt", "key"]);
  assertEquals(ctx.endpoints, ["10.0.1.11", "10.0.1.12", "10.0.1.13"]);
  assertEquals(ctx.ca, bundle.certs.os.crt); // same encoding as the bundle: base64 of the PEM
  assertMatch(Buffer.from(ctx.crt, "base64").toString(), /^-----BEGIN CERTIFICATE-----/);
  assertMatch(Buffer.from(ctx.key, "base64").toString(), /PRIVATE KEY-----/);
  assertMatch(text, /^context: homelab\ncontexts:\n {4}homelab:\n {8}endpoints:\n {12}- 10\.0\.1\.11\n/);
  const back = parseTalosconfig(text);
  assertEquals([back.context, back.endpoints, back.nodes], ["homelab", ctx.endpoints, ["10.0.1.11"]]);
  assertMatch(back.crt, /^-----BEGIN CERTIFICATE-----/);
});

Deno.test("talosconfig refuses the VIP as an endpoint, a foreign client certificate, and a mismatched key", async () => {
  const base = { cluster: "homelab", endpoints: ["10.0.1.11"], ca: admin.ca, crt: admin.crt, key: admin.key };
  throws(
    () => talosconfig({ ...base, endpoints: ["10.0.1.11", "10.0.3.10"], vip: "10.0.3.10" }),
    /VIP 10\.0\.3\.10 must not be an endpoint/,
  );
  throws(() => talosconfig({ ...base, endpoints: [] }), /at least one control plane endpoint/);
  const other = await generateTalosSecrets({ now: new Date("2024-01-01T00:00:00Z") });
  const foreign = await generateTalosAdminCertificate(other);
  throws(() => talosconfig({ ...base, crt: foreign.crt, key: foreign.key }), /not signed by the Talos CA/);
  const second = await generateTalosAdminCertificate(bundle);
  throws(() => talosconfig({ ...base, key: second.key }), /key does not belong/);
  // PEM input works as well as base64 of PEM
  const ctx = talosconfig({ ...base, ca: Buffer.from(admin.ca, "base64").toString() }).contexts.homelab;
  assert(ctx.nodes === undefined);
  assertEquals(ctx.ca, admin.ca);
});
