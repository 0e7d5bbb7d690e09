/**
 * The Kubernetes API front: TLS from the cluster CA, client certificates from that CA accepted,
 * any other (or none) answered 401 with the API server's Status object; core routes; extra handlers
 * first; 404 Status for the rest.
 */
import assert from "node:assert/strict";
import * as https from "node:https";
import { ScaledClock } from "../../lib/clock/clock.ts";
import { createCa, encodePrivateKeyPem, issueClientCertificate } from "../../lib/pki/mod.ts";
import { TraceLog } from "../trace.ts";
import { kubeVersionInfo, sendJson, startKubeApi } from "./kube_api.ts";

type Answer = { status: number; body: string };

function get(
  url: string,
  opts: { ca: string; cert?: string; key?: string; ip: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      servername: "kubernetes",
      checkServerIdentity: (_h, cert) =>
        (cert.subjectaltname ?? "").split(", ").includes(`IP Address:${opts.ip}`)
          ? undefined
          : new Error(`${opts.ip} not in ${cert.subjectaltname}`),
    }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => body += d);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

Deno.test("kube API: cluster-CA TLS, client certs from the CA only, Status objects", async () => {
  const ca = await createCa({ keyType: "ecdsa-p256", subject: { organization: ["kubernetes"] } });
  const other = await createCa({ keyType: "ecdsa-p256", subject: { organization: ["kubernetes"] } });
  const admin = await issueClientCertificate({ ca, commonName: "admin", organization: ["system:masters"] });
  const stranger = await issueClientCertificate({
    ca: other,
    commonName: "admin",
    organization: ["system:masters"],
  });
  const trace = new TraceLog();
  const api = await startKubeApi({
    address: "127.0.3.201",
    port: 0,
    caCertPem: ca.certificate,
    caKeyPem: encodePrivateKeyPem(ca.privateKey),
    ips: ["10.0.3.10", "127.0.3.201"],
    dnsNames: ["kubernetes"],
    version: kubeVersionInfo("v1.33.4"),
    clock: new ScaledClock(1),
    trace,
    handlers: [({ url, res, user }) => {
      if (url.pathname !== "/whoami") return false;
      sendJson(res, 200, user);
      return true;
    }],
  });
  try {
    const as = {
      ca: ca.certificate,
      cert: admin.certificate,
      key: encodePrivateKeyPem(admin.privateKey),
      ip: "10.0.3.10",
    };
    const version = await get(`${api.url}/version`, as);
    assert.equal(version.status, 200);
    assert.equal(JSON.parse(version.body).gitVersion, "v1.33.4");
    assert.equal(JSON.parse(version.body).minor, "33");
    assert.deepEqual(await get(`${api.url}/healthz`, as), { status: 200, body: "ok" });
    assert.deepEqual(await get(`${api.url}/readyz`, as), { status: 200, body: "ok" });
    assert.deepEqual(JSON.parse((await get(`${api.url}/whoami`, as)).body), {
      name: "admin",
      groups: ["system:masters", "system:authenticated"],
    });
    const missing = await get(`${api.url}/api/v1/nodes`, as);
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.body).reason, "NotFound");

    const unauthorized = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "Unauthorized",
      reason: "Unauthorized",
      code: 401,
    };
    const foreign = await get(`${api.url}/version`, {
      ca: ca.certificate,
      cert: stranger.certificate,
      key: encodePrivateKeyPem(stranger.privateKey),
      ip: "10.0.3.10",
    });
    assert.equal(foreign.status, 401);
    assert.deepEqual(JSON.parse(foreign.body), unauthorized);
    const anonymous = await get(`${api.url}/version`, { ca: ca.certificate, ip: "10.0.3.10" });
    assert.deepEqual([anonymous.status, JSON.parse(anonymous.body)], [401, unauthorized]);
    // the serving certificate is from the cluster CA: a client trusting another CA refuses it
    await assert.rejects(get(`${api.url}/version`, { ca: other.certificate, ip: "10.0.3.10" }));
    assert.deepEqual(trace.entries.map((e) => [e.system, e.path, e.status]).slice(0, 2), [
      ["kube", "/version", 200],
      ["kube", "/healthz", 200],
    ]);
  } finally {
    await api.close();
  }
});
