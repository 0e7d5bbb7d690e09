/**
 * Asking the Kubernetes API on the VIP for `/version`, over TLS verified with the cluster CA and
 * the VIP as IP SAN. Talos runs kube-apiserver without anonymous access, so the request carries a
 * short-lived client certificate strata issues itself from the cluster CA (it holds the CA key in
 * the secrets bundle); `/version` is open to every authenticated user.
 *
 * @example
 * ```ts
 * const probe = await kubeProbeIdentity(secrets);
 * const version = await kubeVersion({ vip: "10.0.3.10", dialAddress: "10.0.3.10", port: 6443, ...probe, clock });
 * version.gitVersion; // "v1.33.4"
 * ```
 */
import * as https from "node:https";
import type { PeerCertificate } from "node:tls";
import { type Clock, formatDuration } from "../../lib/clock/clock.ts";
import { StrataError, TransientError } from "../../lib/errors.ts";
import { encodePrivateKeyPem, issueClientCertificate } from "../../lib/pki/mod.ts";
import { checkIpIdentity } from "../../lib/talos/api/transport.ts";
import { talosCertAndKey, type TalosSecretsBundle } from "../../lib/talos/secrets.ts";

/** CA, client certificate and key (PEM) for the probe. */
export interface KubeProbeIdentity {
  ca: string;
  cert: string;
  key: string;
}

/** A one-hour client certificate (CN strata-probe) from the bundle's Kubernetes CA. */
export async function kubeProbeIdentity(bundle: TalosSecretsBundle): Promise<KubeProbeIdentity> {
  const ca = talosCertAndKey(bundle.certs.k8s);
  // validity in wall-clock time: the API server checks it against its own clock
  const leaf = await issueClientCertificate({
    ca,
    commonName: "strata-probe",
    notBefore: new Date(Date.now() - 60_000),
    validityMs: 3600_000,
  });
  return { ca: ca.certificate, cert: leaf.certificate, key: encodePrivateKeyPem(leaf.privateKey) };
}

/** A permanent problem with what answers on the VIP. */
export class KubeApiError extends StrataError {}

/** GET /version; transient errors while the API is not up, permanent ones when it is not ours. */
export function kubeVersion(
  opts: KubeProbeIdentity & {
    vip: string;
    dialAddress: string;
    port: number;
    clock: Clock;
    signal?: AbortSignal;
    timeoutMs?: number;
  },
): Promise<{ gitVersion: string } & Record<string, unknown>> {
  const where = `the Kubernetes API on ${opts.vip}:${opts.port}`;
  return new Promise((resolve, reject) => {
    const stop = new AbortController();
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      stop.abort();
      fn();
    };
    const req = https.request({
      host: opts.dialAddress,
      port: opts.port,
      path: "/version",
      method: "GET",
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      agent: false,
      // Deno refuses an IP as SNI: send a name every API server certificate has, check the IP ourselves
      servername: "kubernetes",
      checkServerIdentity: (_h: string, cert: PeerCertificate) => checkIpIdentity(opts.vip, cert),
    }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => body += d);
      res.on("end", () =>
        finish(() => {
          if (res.statusCode === 200) {
            try {
              return resolve(JSON.parse(body));
            } catch {
              return reject(new KubeApiError(`${where} answered /version with something that is not JSON`));
            }
          }
          if (res.statusCode === 401 || res.statusCode === 403) {
            return reject(
              new KubeApiError(
                `${where} refuses a client certificate from this cluster's Kubernetes CA (${res.statusCode})`,
                undefined,
                "another cluster may hold the VIP, or the nodes run a config from another secrets bundle",
              ),
            );
          }
          reject(new TransientError(`${where} answered ${res.statusCode}: ${body.slice(0, 200)}`));
        }));
    });
    req.on("error", (err: Error & { code?: string }) =>
      finish(() => {
        if (/certificate|self.signed|verify|not among the certificate's IP addresses/i.test(err.message)) {
          return reject(
            new KubeApiError(
              `${where} presents a certificate that is not from this cluster's Kubernetes CA for ${opts.vip}: ${err.message}`,
              undefined,
              "check network.vip: another machine may answer on it",
            ),
          );
        }
        reject(new TransientError(`${where}: ${err.message}`));
      }));
    req.end();
    const timeout = opts.timeoutMs ?? 10_000;
    opts.clock.sleep(timeout, stop.signal).then(() =>
      finish(() => {
        req.destroy();
        reject(new TransientError(`${where}: no answer within ${formatDuration(timeout)}`));
      }), () => {});
    opts.signal?.addEventListener("abort", () =>
      finish(() => {
        req.destroy();
        reject(opts.signal!.reason);
      }), { once: true });
  });
}
