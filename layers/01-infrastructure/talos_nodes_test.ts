/** Configs compared as data, and their hash. */
import assert from "node:assert/strict";
import { configHash, sameConfig } from "./talos_nodes.ts";

Deno.test("same documents in another layout are the same config; any value change is not", () => {
  const a =
    "version: v1alpha1\nmachine:\n  type: worker\n  token: x\n---\napiVersion: v1alpha1\nkind: HostnameConfig\nhostname: w\n";
  const b =
    "machine: {token: x, type: worker}\nversion: v1alpha1\n---\n{hostname: w, kind: HostnameConfig, apiVersion: v1alpha1}\n";
  assert.ok(sameConfig(a, new TextEncoder().encode(b)));
  assert.ok(!sameConfig(a, b.replace("token: x", "token: y")));
  assert.ok(!sameConfig(a, a.split("---")[0]));
  assert.ok(!sameConfig(a, "machine: ["));
});

Deno.test("the hash is the SHA-256 of the text", async () => {
  assert.equal(await configHash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
});
