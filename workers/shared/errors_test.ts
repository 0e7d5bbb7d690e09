import assert from "node:assert/strict";
import { Hono } from "hono";
import { jsonError, notFound, onError } from "./errors.ts";

Deno.test("JSON errors: explicit, 404 for unknown routes, 500 without internals", async () => {
  const app = new Hono();
  app.notFound(notFound);
  app.onError(onError);
  app.get(
    "/bad",
    (c) =>
      jsonError(c, 400, "bad_request", "query `id` is required", [{
        path: "id",
      }]),
  );
  app.get("/boom", () => {
    throw new Error("secret internals");
  });
  const bad = await app.request("/bad");
  assert.deepEqual(await bad.json(), {
    error: {
      code: "bad_request",
      message: "query `id` is required",
      details: [{ path: "id" }],
    },
  });
  const missing = await app.request("/nope", { method: "POST" });
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), {
    error: { code: "not_found", message: "no route for POST /nope" },
  });
  const original = console.error;
  console.error = () => {};
  try {
    const boom = await app.request("/boom");
    assert.equal(boom.status, 500);
    assert.ok(!(await boom.text()).includes("secret internals"));
  } finally {
    console.error = original;
  }
});
