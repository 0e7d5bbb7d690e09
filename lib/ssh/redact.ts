/**
 * Removes secrets from text shown to users (a command's stderr, error messages): the known secret
 * values given, anything shaped like a Proxmox token secret (a UUID), `PVEAPIToken=…` credentials
 * and private key blocks. Known secrets are removed first, longest first, so one that contains
 * another is removed whole.
 *
 * @example
 * ```ts
 * redact("token strata@pve!ci=5f0c…-…-…", []); // "token strata@pve!ci=[redacted]"
 * ```
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) {
    out = out.replaceAll(s, "[redacted]");
  }
  return out
    .replace(
      /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
      "[redacted private key]",
    )
    .replace(/(PVEAPIToken[= ][^=\s;]+=)[^\s;]+/g, "$1[redacted]")
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "[redacted]");
}
