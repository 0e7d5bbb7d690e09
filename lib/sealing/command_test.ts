import assert from "node:assert/strict";
import { parse } from "yaml";
import { generateSealedSecretsKey } from "../keys/sealed_secrets_key.ts";
import { createCa } from "../pki/certs.ts";
import { runSeal, type SealIo } from "./command.ts";
import type { SealedSecret } from "./seal.ts";
import { tryUnseal } from "./testing.ts";

const key = await generateSealedSecretsKey({ bits: 2048, now: new Date("2026-01-01T00:00:00Z") });
const SECRET =
  "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: apps}\nstringData: {password: hunter2}\n";

async function run(args: string[], stdin = "", extra: Partial<SealIo> = {}) {
  let out = "";
  let err = "";
  const sink = (append: (s: string) => void) =>
    new WritableStream<Uint8Array>({ write: (c) => append(new TextDecoder().decode(c)) });
  const code = await runSeal(args, {
    stdin: new Blob([stdin]).stream(),
    stdout: sink((s) => out += s),
    stderr: sink((s) => err += s),
    defaultCert: () => Promise.resolve(key.certificate),
    now: () => new Date("2026-06-01T00:00:00Z"),
    ...extra,
  });
  return { code, out, err };
}

Deno.test("seals stdin with the default certificate; the output decrypts for apps/db", async () => {
  const r = await run([], SECRET);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, "");
  const sealed = JSON.parse(r.out) as SealedSecret;
  assert.equal(sealed.kind, "SealedSecret");
  assert.equal(tryUnseal(key.privateKey, sealed.spec.encryptedData.password, "apps/db"), "hunter2");
  assert.ok(!r.out.includes("hunter2"));
});

Deno.test("--scope, -o yaml, -f and -w files, --cert", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/s.yaml`, SECRET);
    await Deno.writeTextFile(`${dir}/c.pem`, key.certificate);
    const r = await run(
      [
        "--cert",
        `${dir}/c.pem`,
        "--scope=cluster-wide",
        "-o",
        "yaml",
        "-f",
        `${dir}/s.yaml`,
        "-w",
        `${dir}/out.yaml`,
      ],
      "",
      { defaultCert: undefined },
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "");
    const text = await Deno.readTextFile(`${dir}/out.yaml`);
    assert.ok(text.startsWith("---\n"));
    const sealed = parse(text) as SealedSecret;
    assert.deepEqual(sealed.metadata.annotations, { "sealedsecrets.bitnami.com/cluster-wide": "true" });
    assert.equal(tryUnseal(key.privateKey, sealed.spec.encryptedData.password, ""), "hunter2");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--raw seals one value from stdin or --from-file, printed as bare base64", async () => {
  const r = await run(["--raw", "--name", "db", "--namespace", "apps"], "just-this");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^[A-Za-z0-9+/]+=*$/, "no newline, like kubeseal");
  assert.equal(tryUnseal(key.privateKey, r.out, "apps/db"), "just-this");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/v`, "from-file");
    const f = await run([
      "--raw",
      "--scope",
      "namespace-wide",
      "-n",
      "apps",
      `--from-file=password=${dir}/v`,
    ]);
    assert.equal(f.code, 0, f.err);
    assert.equal(tryUnseal(key.privateKey, f.out, "apps"), "from-file");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("usage errors exit 2 with a message naming the problem and a fix", async () => {
  const cases: [string[], string, RegExp][] = [
    [[], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", /a ConfigMap, not a Secret/],
    [
      [],
      "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {a: b}\n",
      /no metadata.namespace[\s\S]*fix: add metadata.namespace/,
    ],
    [["--raw", "--namespace", "apps"], "v", /--raw with --scope strict needs --name/],
    [["--raw", "--name", "x"], "v", /needs --namespace/],
    [["--scope", "everywhere"], SECRET, /--scope "everywhere" is not a scope/],
    [["--format", "xml"], SECRET, /--format "xml" is not supported/],
    [["--bogus"], SECRET, /Unknown option '--bogus'[\s\S]*--help/],
    [["extra-arg"], SECRET, /positional/i],
    [["--from-file", "x"], SECRET, /--from-file requires --raw/],
    [["--cert", "/nonexistent/cert.pem"], SECRET, /--cert \/nonexistent\/cert.pem: no such file/],
    [["-f", "/nonexistent/s.yaml"], "", /--secret-file \/nonexistent\/s.yaml: no such file/],
  ];
  for (const [args, stdin, re] of cases) {
    const r = await run(args, stdin);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, re);
    assert.equal(r.out, "");
  }
});

Deno.test("a non-RSA --cert and a missing certificate are usage errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ec = await createCa({ keyType: "ecdsa-p256", subject: { commonName: "ec" } });
    await Deno.writeTextFile(`${dir}/ec.pem`, ec.certificate);
    const r = await run(["--cert", `${dir}/ec.pem`], SECRET);
    assert.equal(r.code, 2);
    assert.match(r.err, /ec\.pem holds a ec key; sealing needs an RSA public key/);
    const none = await run([], SECRET, { defaultCert: undefined });
    assert.equal(none.code, 2);
    assert.match(none.err, /no certificate to seal with[\s\S]*--cert FILE/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--help prints usage and exits 0 without reading stdin or a certificate", async () => {
  const r = await run(["--help"], "", { defaultCert: () => Promise.reject(new Error("must not be called")) });
  assert.equal(r.code, 0);
  assert.match(r.out, /^Usage: deno task seal/);
  assert.match(r.out, /--scope SCOPE/);
});
