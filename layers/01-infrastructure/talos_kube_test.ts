/** /version on the VIP: verified with the cluster CA, transient while down, permanent when it is not ours. */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { ScaledClock } from "../../lib/clock/clock.ts";
import { isTransient } from "../../lib/errors.ts";
import { createCa, encodePrivateKeyPem } from "../../lib/pki/mod.ts";
import { kubeVersionInfo, startKubeApi } from "../../lab/talos/kube_api.ts";
import { secrets } from "../../tests/talos/helpers.ts";
import { KubeApiError, kubeProbeIdentity, kubeVersion } from "./talos_kube.ts";

const clock = new ScaledClock(1);

Deno.test("the cluster's API answers /version to the probe identity", async () => {
  const api = await startKubeApi({
    address: "127.88.3.10",
    port: 0,
    caCertPem: Buffer.from(secrets.certs.k8s.crt, "base64").toString(),
    caKeyPem: Buffer.from(secrets.certs.k8s.key, "base64").toString(),
    ips: ["10.0.3.10", "127.88.3.10"],
    dnsNames: ["kubernetes"],
    version: kubeVersionInfo("v1.33.4"),
    clock,
  });
  try {
    const identity = await kubeProbeIdentity(secrets);
    const port = Number(new URL(api.url).port);
    const v = await kubeVersion({ ...identity, vip: "10.0.3.10", dialAddress: "127.88.3.10", port, clock });
    assert.equal(v.gitVersion, "v1.33.4");
    // the certificate must carry the VIP
    const wrongIp = await kubeVersion({
      ...identity,
      vip: "10.0.3.11",
      dialAddress: "127.88.3.10",
      port,
      clock,
    })
      .catch((e) => e);
    assert.ok(wrongIp instanceof KubeApiError && !isTransient(wrongIp), String(wrongIp));
  } finally {
    await api.close();
  }
});

Deno.test("another cluster's API on the VIP is refused for good; nobody there is transient", async () => {
  const other = await createCa({ keyType: "ecdsa-p256", subject: { organization: ["kubernetes"] } });
  const api = await startKubeApi({
    address: "127.88.3.11",
    port: 0,
    caCertPem: other.certificate,
    caKeyPem: encodePrivateKeyPem(other.privateKey),
    ips: ["10.0.3.10"],
    version: kubeVersionInfo("v1.33.4"),
    clock,
  });
  try {
    const identity = await kubeProbeIdentity(secrets);
    const port = Number(new URL(api.url).port);
    const foreign = await kubeVersion({
      ...identity,
      vip: "10.0.3.10",
      dialAddress: "127.88.3.11",
      port,
      clock,
    })
      .catch((e) => e);
    assert.ok(foreign instanceof KubeApiError, String(foreign));
    assert.match(foreign.message, /not from this cluster's Kubernetes CA/);
    const down = await kubeVersion({
      ...identity,
      vip: "10.0.3.10",
      dialAddress: "127.88.3.12",
      port: 6443,
      clock,
    })
      .catch((e) => e);
    assert.ok(isTransient(down), String(down));
  } finally {
    await api.close();
  }
});
