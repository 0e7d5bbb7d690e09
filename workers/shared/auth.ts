import type { Context, MiddlewareHandler } from "hono";
import { jsonError } from "./errors.ts";

/**
 * Compares two strings in time that depends only on their lengths' maximum, never on where they differ,
 * so a caller cannot discover a token byte by byte from response times.
 *
 * @example
 * ```ts
 * import { timingSafeEqualString } from "./auth.ts";
 * timingSafeEqualString("s3cret", "s3cret"); // true
 * ```
 */
export function timingSafeEqualString(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  const length = Math.max(left.length, right.length);
  let diff = left.length ^ right.length;
  for (let i = 0; i < length; i++) diff |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return diff === 0;
}

/**
 * Hono middleware that requires `Authorization: Bearer <token>` matching the Worker secret named
 * `secretName` (default `API_TOKEN`). Fails closed: when the secret is unset every request gets 503.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { bearerAuth } from "./auth.ts";
 * const app = new Hono<{ Bindings: { API_TOKEN?: string } }>();
 * app.use("/api/v1/monitors", bearerAuth());
 * ```
 */
export function bearerAuth(secretName = "API_TOKEN"): MiddlewareHandler {
  return async (c: Context, next) => {
    const expected = (c.env as Record<string, unknown> | undefined)
      ?.[secretName];
    if (typeof expected !== "string" || expected.length === 0) {
      return jsonError(
        c,
        503,
        "auth_not_configured",
        `the Worker secret ${secretName} is not set; set it with \`wrangler secret put ${secretName}\``,
      );
    }
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !timingSafeEqualString(match[1].trim(), expected)) {
      c.header("WWW-Authenticate", 'Bearer realm="strata"');
      return jsonError(
        c,
        401,
        "unauthorized",
        "missing or wrong bearer token in the Authorization header",
      );
    }
    await next();
  };
}
