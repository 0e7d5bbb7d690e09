/**
 * Small PKI toolkit: keys, PEM, certificates, fingerprints. See each module for details.
 *
 * @example
 * ```ts
 * import { createCa, issueServerCertificate } from "../pki/mod.ts";
 * ```
 */
export * from "./pem.ts";
export * from "./keys.ts";
export * from "./certs.ts";
export * from "./fingerprint.ts";
