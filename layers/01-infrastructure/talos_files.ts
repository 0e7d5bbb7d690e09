/**
 * The client files the Talos steps hand to the user: `<stateDir>/<cluster>/talosconfig` and
 * `kubeconfig`, written atomically with mode 0600 (they hold private keys), and the check whether
 * an existing kubeconfig can stay (same server, signed by the cluster CA, not about to expire).
 *
 * @example
 * ```ts
 * await writePrivateFile(`${dir}/kubeconfig`, text);
 * if (kubeconfigUsable(existing, { server, caPem, now: Date.now() })) reuse();
 * ```
 */
import { Buffer } from "node:buffer";
import { X509Certificate } from "node:crypto";
import { parse } from "yaml";

/** Writes `text` to `path` with mode 0600 through a temporary file and a rename. */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/")) || ".";
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${Deno.pid}`;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true, mode: 0o600 });
  try {
    await file.write(new TextEncoder().encode(text));
    await file.sync();
  } finally {
    file.close();
  }
  await Deno.chmod(tmp, 0o600);
  await Deno.rename(tmp, path);
}

/** Reads a file, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

/**
 * True when `text` is an admin kubeconfig for `server` whose client certificate is signed by the
 * cluster CA and valid for at least 30 more days.
 */
export function kubeconfigUsable(
  text: string,
  want: { server: string; caPem: string; now: number },
): boolean {
  try {
    // deno-lint-ignore no-explicit-any
    const doc = parse(text) as any;
    const ctx = doc.contexts.find((c: { name: string }) => c.name === doc["current-context"]).context;
    const cluster = doc.clusters.find((c: { name: string }) => c.name === ctx.cluster).cluster;
    const user = doc.users.find((u: { name: string }) => u.name === ctx.user).user;
    if (cluster.server !== want.server) return false;
    const ca = new X509Certificate(want.caPem);
    const cert = new X509Certificate(Buffer.from(user["client-certificate-data"], "base64").toString());
    if (!cert.verify(ca.publicKey)) return false;
    if (
      !Buffer.from(cluster["certificate-authority-data"], "base64").toString().includes(want.caPem.trim())
    ) {
      return false;
    }
    return new Date(cert.validTo).getTime() - want.now > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

/** The kubeconfig with its cluster's `server` replaced (the lab reaches the VIP on its loopback twin). */
export function withServer(text: string, server: string): string {
  return text.replace(/^(\s*server:\s*).*$/m, `$1${server}`);
}
