import * as age from "age-encryption";
import { assert, assertEquals, assertRejects } from "../../tests/testing.ts";
import { RefusedError } from "../errors.ts";
import { StateStore } from "../state/store.ts";
import { exportPersistentAuth, importPersistentAuth } from "./transfer.ts";

async function store(dir: string, home: string) {
  return await StateStore.open({ dir, cluster: "c", env: { HOME: home, XDG_CONFIG_HOME: home } });
}

Deno.test("export to a recipient and import on another machine round-trips layer 00", async () => {
  const dir = await Deno.makeTempDir();
  const a = await store(`${dir}/a`, `${dir}/ha`);
  await a.record("00-persistent-auth", "auth.key", { output: { cert: "C" }, secret: { key: "K-secret" } }, 3);
  await a.complete("00-persistent-auth");
  const identity = await age.generateX25519Identity();
  const file = await exportPersistentAuth(a, "c", { recipient: await age.identityToRecipient(identity) });
  assert(file.startsWith("-----BEGIN AGE ENCRYPTED FILE-----") && !file.includes("K-secret"));

  const b = await store(`${dir}/b`, `${dir}/hb`);
  assertEquals(await importPersistentAuth(b, "c", file, { identity }), ["auth.key"]);
  assertEquals(await b.secret("auth.key"), { key: "K-secret" });
  assertEquals(b.step("auth.key")?.output, { cert: "C" });
  // importing the same again is a no-op; a different layer 00 is refused and left unchanged
  await importPersistentAuth(b, "c", file, { identity });
  const c = await store(`${dir}/c`, `${dir}/hc`);
  await c.record("00-persistent-auth", "auth.key", { output: { cert: "OTHER" }, secret: { key: "x" } }, 1);
  const before = Deno.readTextFileSync(c.layerPath("00-persistent-auth"));
  await assertRejects(
    () => importPersistentAuth(c, "c", file, { identity }),
    (e) => assert(e instanceof RefusedError),
  );
  assertEquals(Deno.readTextFileSync(c.layerPath("00-persistent-auth")), before);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("export with a passphrase; the wrong one cannot import", async () => {
  const dir = await Deno.makeTempDir();
  const a = await store(`${dir}/a`, `${dir}/ha`);
  await a.record("00-persistent-auth", "auth.key", { output: {}, secret: { key: "s" } }, 3);
  const file = await exportPersistentAuth(a, "c", { passphrase: "correct horse battery" });
  const b = await store(`${dir}/b`, `${dir}/hb`);
  await assertRejects(() => importPersistentAuth(b, "c", file, { passphrase: "wrong passphrase!" }));
  await importPersistentAuth(b, "c", file, { passphrase: "correct horse battery" });
  assertEquals(await b.secret("auth.key"), { key: "s" });
  await Deno.remove(dir, { recursive: true });
});
