/** Private files (0600, atomic) and whether a kubeconfig on disk can stay. */
import assert from "node:assert/strict";
import { secrets } from "../../tests/talos/helpers.ts";
import { adminKubeconfig } from "../../lab/talos/pki.ts";
import { createCa, encodePrivateKeyPem } from "../../lib/pki/mod.ts";
import { kubeconfigUsable, readIfExists, withServer, writePrivateFile } from "./talos_files.ts";
import { Buffer } from "node:buffer";

Deno.test("files are written 0600, also over a file that was world-readable", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/a/kubeconfig`;
    await Deno.mkdir(`${dir}/a`);
    await Deno.writeTextFile(path, "old", { mode: 0o644 });
    await writePrivateFile(path, "new");
    assert.equal(await readIfExists(path), "new");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal(await readIfExists(`${dir}/missing`), undefined);
    assert.deepEqual([...Deno.readDirSync(`${dir}/a`)].map((e) => e.name), ["kubeconfig"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a kubeconfig stays only for the same server, the cluster CA and 30 more days", async () => {
  const caPem = Buffer.from(secrets.certs.k8s.crt, "base64").toString();
  const now = new Date();
  const text = await adminKubeconfig({
    cluster: "homelab",
    endpoint: "https://10.0.3.10:6443",
    clusterCa: secrets.certs.k8s,
    now,
  });
  const want = { server: "https://10.0.3.10:6443", caPem, now: now.getTime() };
  assert.ok(kubeconfigUsable(text, want));
  assert.ok(!kubeconfigUsable(text, { ...want, server: "https://10.0.3.11:6443" }));
  assert.ok(!kubeconfigUsable(text, { ...want, now: now.getTime() + 340 * 86400_000 }));
  const other = await createCa({ keyType: "ecdsa-p256", subject: { organization: ["kubernetes"] } });
  assert.ok(!kubeconfigUsable(text, { ...want, caPem: other.certificate }));
  const foreign = await adminKubeconfig({
    cluster: "homelab",
    endpoint: "https://10.0.3.10:6443",
    clusterCa: {
      crt: Buffer.from(other.certificate).toString("base64"),
      key: Buffer.from(encodePrivateKeyPem(other.privateKey)).toString("base64"),
    },
    now,
  });
  assert.ok(!kubeconfigUsable(foreign, want));
  assert.ok(!kubeconfigUsable("not: [yaml", want));
  assert.match(withServer(text, "https://127.0.3.10:6443"), /^ {4}server: https:\/\/127\.0\.3\.10:6443$/m);
});
