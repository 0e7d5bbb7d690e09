/**
 * What `download-url` does on an emulated host: fetch a URL (loopback only: the lab never leaves
 * this machine), honouring `verify-certificates`, and hash the bytes with the requested algorithm.
 * Failures read like `wget` run by PVE ("download failed: command '…' failed: exit code 8").
 *
 * @example
 * ```ts
 * const bytes = await fetchLoopback("http://127.0.0.9:8080/image.raw", { verifyCertificates: true, dest: "/tmp/x" });
 * ```
 */
import http from "node:http";
import https from "node:https";
import { createHash } from "node:crypto";
import { isLoopback } from "../address.ts";
import { die } from "./exception.ts";

/** Downloads `url` (http or https on a loopback address) into memory. */
export async function fetchLoopback(
  url: string,
  options: { verifyCertificates: boolean; dest: string; signal?: AbortSignal },
): Promise<Uint8Array> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (!isLoopback(host)) {
    die(
      `lab: refusing to download from '${host}': not a loopback address (the lab never leaves this machine)\n`,
    );
  }
  const command = `wget --progress=dot:giga${
    options.verifyCertificates ? "" : " --no-check-certificate"
  } -O ${options.dest} ${url}`;
  const failed = (code: number): never =>
    die(`download failed: command '${command}' failed: exit code ${code}\n`);
  const lib = parsed.protocol === "https:" ? https : http;
  return await new Promise<Uint8Array>((resolve, reject) => {
    const req = lib.get(
      url,
      { rejectUnauthorized: options.verifyCertificates, signal: options.signal },
      (res) => {
        if ((res.statusCode ?? 500) >= 400) {
          res.resume();
          // wget: 8 = the server issued an error response
          try {
            failed(8);
          } catch (err) {
            reject(err);
          }
          return;
        }
        const chunks: Uint8Array[] = [];
        res.on("data", (c: Uint8Array) => chunks.push(c));
        res.on("end", () => {
          const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
          let at = 0;
          for (const c of chunks) out.set(c, (at += c.length) - c.length);
          resolve(out);
        });
        res.on("error", () => {
          try {
            failed(4);
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on("error", (err: Error & { code?: string }) => {
      // wget: 5 = SSL verification failure, 4 = network failure
      const tls = /CERT|SSL|certificate|self.signed/i.test(`${err.code} ${err.message}`);
      try {
        failed(tls ? 5 : 4);
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Hex digest of `bytes` with one of download-url's checksum algorithms. */
export function digest(algorithm: string, bytes: Uint8Array): string {
  return createHash(algorithm).update(bytes).digest("hex");
}
