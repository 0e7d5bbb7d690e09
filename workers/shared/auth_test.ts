import assert from "node:assert/strict";
import { Hono } from "hono";
import { bearerAuth, timingSafeEqualString } from "./auth.ts";

Deno.test("timingSafeEqualString compares whole strings", () => {
  assert.ok(timingSafeEqualString("abc", "abc"));
  assert.ok(!timingSafeEqualString("abc", "abd"));
  assert.ok(!timingSafeEqualString("abc", "abcd"));
  assert.ok(!timingSafeEqualString("", "a"));
  assert.ok(timingSafeEqualString("ünï", "ünï"));
});

Deno.test("bearerAuth: 401 without or with a wrong token, 503 when the secret is unset", async () => {
  const app = new Hono<{ Bindings: { API_TOKEN?: string } }>();
  app.use("/x", bearerAuth());
  app.get("/x", (c) => c.text("ok"));
  const call = (auth?: string, token?: string) =>
    app.request("/x", { headers: auth ? { authorization: auth } : {} }, {
      API_TOKEN: token,
    });
  assert.equal((await call(undefined, "t")).status, 401);
  assert.equal((await call("Bearer nope", "t")).status, 401);
  assert.equal((await call("Basic dDp0", "t")).status, 401);
  assert.equal((await call("Bearer t", "t")).status, 200);
  assert.equal((await call("bearer t", "t")).status, 200);
  const unset = await call("Bearer t", undefined);
  assert.equal(unset.status, 503);
  assert.match((await unset.json()).error.message, /API_TOKEN is not set/);
});
