/**
 * Creates an unguessable heartbeat token: 32 random bytes (256 bits), base64url.
 *
 * @example
 * ```ts
 * import { newHeartbeatToken, sha256Hex } from "./tokens.ts";
 * const token = newHeartbeatToken(); // shown once; only sha256Hex(token) is stored
 * ```
 */
export function newHeartbeatToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replaceAll(
    "=",
    "",
  );
}

/** Hex SHA-256 of a string (tokens are stored and looked up by hash only). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}
