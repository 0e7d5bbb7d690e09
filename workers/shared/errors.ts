import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { log } from "./log.ts";

/** Body of every JSON error strata's workers return. */
export interface JsonErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/**
 * Returns a JSON error response `{ error: { code, message, details? } }`.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { jsonError } from "./errors.ts";
 * new Hono().get("/x", (c) => jsonError(c, 400, "bad_request", "query parameter `id` is required"));
 * ```
 */
export function jsonError(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  details?: unknown,
): Response {
  const body: JsonErrorBody = {
    error: details === undefined ? { code, message } : { code, message, details },
  };
  return c.json(body, status);
}

/** Unknown routes: 404 as JSON, naming the method and path. */
export const notFound: NotFoundHandler = (c) =>
  jsonError(
    c,
    404,
    "not_found",
    `no route for ${c.req.method} ${new URL(c.req.url).pathname}`,
  );

/** Uncaught errors: logged (message only) and answered with a generic 500 JSON, never a stack trace. */
export const onError: ErrorHandler = (err, c) => {
  log("error", "unhandled_error", {
    path: new URL(c.req.url).pathname,
    message: String(err?.message ?? err),
  });
  return jsonError(
    c,
    500,
    "internal_error",
    "internal error; see the Worker logs",
  );
};
