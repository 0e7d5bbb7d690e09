/**
 * The sealing certificate: like kubeseal's `ParseKey`, the first PEM certificate's RSA public key,
 * refused when it is not RSA or has expired.
 *
 * @example
 * ```ts
 * const publicKey = sealingKeyFromCertificate(await Deno.readTextFile("sealed-secrets.crt"), new Date());
 * ```
 */
import { Buffer } from "node:buffer";
import { type KeyObject, X509Certificate } from "node:crypto";
import { UsageError } from "../errors.ts";
import { decodePem, type PemBlock } from "../pki/pem.ts";

/** The RSA public key to seal with. `source` names the certificate in errors (e.g. the file name). */
export function sealingKeyFromCertificate(pem: string, now: Date, source = "the certificate"): KeyObject {
  let blocks: PemBlock[];
  try {
    blocks = decodePem(pem).filter((b) => b.label === "CERTIFICATE");
  } catch {
    blocks = [];
  }
  if (blocks.length === 0) {
    throw new UsageError(
      `${source} is not a PEM certificate (expected -----BEGIN CERTIFICATE-----)`,
      "pass the sealed-secrets controller's certificate, e.g. from `kubeseal --fetch-cert`",
    );
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(blocks[0].der));
  } catch (e) {
    throw new UsageError(`${source} does not parse as an X.509 certificate: ${(e as Error).message}`);
  }
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== "rsa") {
    throw new UsageError(
      `${source} holds a ${key.asymmetricKeyType} key; sealing needs an RSA public key`,
      "use the sealed-secrets controller's certificate (RSA)",
    );
  }
  const notAfter = new Date(cert.validTo);
  if (now.getTime() > notAfter.getTime()) {
    throw new UsageError(
      `${source} expired on ${
        notAfter.toISOString().slice(0, 10)
      }; refusing to seal with an expired certificate`,
      "fetch the controller's current certificate",
    );
  }
  return key;
}
