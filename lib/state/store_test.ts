import { assert, assertEquals, assertRejects } from "../../tests/testing.ts";
import { RefusedError } from "../errors.ts";
import { writeFileAtomic } from "./atomic.ts";
import { acquireLock, LockedError } from "./lock.ts";
import { migrate, StateStore } from "./store.ts";

async function tempEnv() {
  const dir = await Deno.makeTempDir();
  return { dir, env: { HOME: dir, XDG_CONFIG_HOME: `${dir}/config` } };
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

Deno.test("secrets are encrypted on disk; outputs are plain; a new store decrypts them", async () => {
  const { dir, env } = await tempEnv();
  let created = "";
  const state = await StateStore.open({
    dir: `${dir}/.strata`,
    cluster: "lab",
    env,
    onIdentityCreated: (i) => created = i.source,
  });
  const secretValue = "super-secret-" + crypto.randomUUID();
  await state.record("00-persistent-auth", "auth.key", {
    output: { cert: "PUBLIC" },
    secret: { key: secretValue },
  }, 5);
  assert(created.endsWith("/config/strata/age-identity.txt"), "identity created with a message hook");
  for (const file of walk(`${dir}/.strata`)) {
    const text = Deno.readTextFileSync(file);
    assert(!text.includes(secretValue), `${file} holds the secret in plain text`);
    assertEquals(Deno.statSync(file).mode! & 0o777, 0o600);
  }
  assertEquals(Deno.statSync(`${dir}/.strata/lab/layers`).mode! & 0o777, 0o700);
  const again = await StateStore.open({ dir: `${dir}/.strata`, cluster: "lab", env });
  assertEquals(again.step("auth.key")?.output, { cert: "PUBLIC" });
  assertEquals(await again.secret("auth.key"), { key: secretValue });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a wrong identity cannot decrypt and says how to fix it", async () => {
  const { dir, env } = await tempEnv();
  const state = await StateStore.open({ dir, cluster: "c", env });
  await state.record("00-persistent-auth", "s", { secret: { a: 1 } }, 1);
  const other = await StateStore.open({
    dir,
    cluster: "c",
    env: { HOME: `${dir}/other`, XDG_CONFIG_HOME: `${dir}/other` },
  });
  await assertRejects(() => other.verifyDecryptable(), (e) => assert(String(e).includes("age identity")));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a crash between temp write and rename leaves the old state readable", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/layers/x.json`;
  await writeFileAtomic(path, '{"old":true}');
  await assertRejects(() =>
    writeFileAtomic(path, '{"new":true}', {
      beforeRename: () => {
        throw new Error("crash");
      },
    })
  );
  assertEquals(JSON.parse(Deno.readTextFileSync(path)), { old: true });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("layer 00 is protected from deletion", async () => {
  const { dir, env } = await tempEnv();
  const state = await StateStore.open({ dir, cluster: "c", env });
  await state.record("00-persistent-auth", "s", { output: { a: 1 } }, 1);
  const before = Deno.readTextFileSync(state.layerPath("00-persistent-auth"));
  await assertRejects(
    () => state.deleteLayer("00-persistent-auth"),
    (e) => assert(e instanceof RefusedError),
  );
  await assertRejects(
    () => state.forget("00-persistent-auth", "s"),
    (e) => assert(e instanceof RefusedError),
  );
  assertEquals(Deno.readTextFileSync(state.layerPath("00-persistent-auth")), before);
  await state.deleteLayer("00-persistent-auth", { allowProtected: true });
  assertEquals(state.layer("00-persistent-auth"), undefined);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("format 0 documents migrate to format 1", () => {
  const doc = migrate(
    { layer: "01-infrastructure", outputs: { "vm.a": { at: 5, output: { vmid: 1 } } } },
    "x",
  );
  assertEquals(doc.format, 1);
  assertEquals(doc.steps["vm.a"], { at: 5, durationMs: 0, output: { vmid: 1 }, hasSecret: false });
});

Deno.test("the lock stops a second run and detects a stale one", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/lock`;
  const release = acquireLock(path, "bootstrap");
  try {
    acquireLock(path, "destroy");
    throw new Error("second lock taken");
  } catch (err) {
    assert(err instanceof LockedError && !err.stale && err.exitCode === 3, String(err));
  }
  release();
  Deno.writeTextFileSync(
    path,
    JSON.stringify({ pid: 999999, host: Deno.hostname(), startedAt: "t", command: "x" }),
  );
  try {
    acquireLock(path, "bootstrap");
    throw new Error("stale lock taken");
  } catch (err) {
    assert(err instanceof LockedError && err.stale && err.remedy!.includes(path), String(err));
  }
  await Deno.remove(dir, { recursive: true });
});
