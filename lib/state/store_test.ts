import { assert, assertEquals, assertRejects } from "../../tests/testing.ts";
import { RefusedError, StrataError } from "../errors.ts";
import { loadIdentity } from "./identity.ts";
import { LockedError } from "./lock.ts";
import { PROTECTED_LAYERS, StateStore } from "./store.ts";

async function tempState(cluster = "lab") {
  const dir = await Deno.makeTempDir();
  const env = { HOME: dir, XDG_CONFIG_HOME: `${dir}/config` };
  const created: string[] = [];
  const open = (e = env) =>
    StateStore.open({
      dir: `${dir}/.strata`,
      cluster,
      env: e,
      onIdentityCreated: (i) => created.push(i.source),
    });
  return {
    dir,
    env,
    created,
    open,
    state: await open(),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    out.push(p);
    if (e.isDirectory) out.push(...walk(p));
  }
  return out;
}

const mode = (p: string) => Deno.statSync(p).mode! & 0o777;

Deno.test("no secret value appears in plain text anywhere under the state folder", async () => {
  const t = await tempState();
  const secrets = [
    `token-${crypto.randomUUID()}`,
    `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA${crypto.randomUUID()}\n-----END OPENSSH PRIVATE KEY-----`,
    `nested-${crypto.randomUUID()}`,
    `layer01-${crypto.randomUUID()}`,
  ];
  const s = t.state;
  const release = s.lock("bootstrap");
  await s.record("00-persistent-auth", "auth.proxmox", {
    output: { tokenId: "strata@pve!strata" },
    secret: { v: secrets[0] },
  }, 1);
  await s.record("00-persistent-auth", "auth.flux", {
    output: { publicKey: "ssh-ed25519 AAAA" },
    secret: { k: secrets[1] },
  }, 1);
  await s.record("00-persistent-auth", "auth.talos", {
    secret: { bundle: { certs: { os: { key: secrets[2] } } } },
  }, 1);
  await s.record(
    "01-infrastructure",
    "talos.config",
    { output: { nodes: 5 }, secret: { cp: secrets[3] } },
    1,
  );
  await s.complete("00-persistent-auth");
  await s.forget("01-infrastructure", "talos.config");
  await s.record(
    "01-infrastructure",
    "talos.config",
    { output: { nodes: 5 }, secret: { cp: secrets[3] } },
    1,
  );

  const files = walk(`${t.dir}/.strata`).filter((p) => Deno.statSync(p).isFile);
  assert(files.length >= 3, files.join(", "));
  for (const file of files) {
    const text = Deno.readTextFileSync(file);
    for (const secret of secrets) {
      for (const piece of secret.split("\n")) {
        assert(!text.includes(piece), `${file} holds a secret in plain text`);
      }
    }
    assert(!text.includes("AGE-SECRET-KEY-1"), `${file} holds the age identity`);
  }
  release();
  const doc = JSON.parse(Deno.readTextFileSync(s.layerPath("00-persistent-auth")));
  assertEquals(doc.steps["auth.proxmox"].output, { tokenId: "strata@pve!strata" }, "outputs are plain JSON");
  assert(doc.secrets.startsWith("-----BEGIN AGE ENCRYPTED FILE-----"));

  const again = await t.open();
  assertEquals(await again.secret("auth.proxmox"), { v: secrets[0] });
  assertEquals(await again.secret("auth.talos"), { bundle: { certs: { os: { key: secrets[2] } } } });
  assertEquals(await again.secret("talos.config", "01-infrastructure"), { cp: secrets[3] });
  assertEquals(await again.secret("talos.config", "00-persistent-auth"), undefined);
  await t.cleanup();
});

Deno.test("the identity is created on the first secret, reported once; files 0600, folders 0700", async () => {
  const t = await tempState();
  await t.state.record("01-infrastructure", "plain", { output: { a: 1 } }, 1);
  assertEquals(t.created, [], "no identity needed without secrets");
  await t.state.record("00-persistent-auth", "key", { secret: { k: "v" } }, 1);
  await t.state.record("00-persistent-auth", "key2", { secret: { k: "w" } }, 1);
  assertEquals(t.created, [`${t.dir}/config/strata/age-identity.txt`]);
  for (const p of walk(`${t.dir}/.strata`)) {
    assertEquals(mode(p), Deno.statSync(p).isDirectory ? 0o700 : 0o600, p);
  }
  await t.cleanup();
});

Deno.test("strata's own folders are tightened to 0700 even when they existed", async () => {
  const t = await tempState();
  Deno.mkdirSync(`${t.dir}/.strata/lab/layers`, { recursive: true });
  Deno.chmodSync(`${t.dir}/.strata/lab`, 0o755);
  Deno.chmodSync(`${t.dir}/.strata/lab/layers`, 0o775);
  await t.state.record("02-services", "flux", { output: {} }, 1);
  assertEquals([mode(`${t.dir}/.strata/lab`), mode(`${t.dir}/.strata/lab/layers`)], [0o700, 0o700]);
  await t.cleanup();
});

Deno.test("opening reads and writes nothing", async () => {
  const t = await tempState();
  await t.open();
  await assertRejects(() => Deno.stat(`${t.dir}/.strata`));
  await assertRejects(() => Deno.stat(`${t.dir}/config`));
  await t.cleanup();
});

Deno.test("secret semantics: an omitted secret is kept, {} drops it, an unchanged one keeps the bytes", async () => {
  const t = await tempState();
  const s = t.state;
  await s.record("00-persistent-auth", "tok", { output: { n: 1 }, secret: { token: "shown-once" } }, 1);
  const armored = s.layer("00-persistent-auth")!.secrets;
  await s.record("00-persistent-auth", "tok", { output: { n: 2 } }, 1);
  assertEquals([s.step("tok")?.hasSecret, await s.secret("tok")], [true, { token: "shown-once" }]);
  await s.record("00-persistent-auth", "tok", { output: { n: 3 }, secret: { token: "shown-once" } }, 1);
  assertEquals(s.layer("00-persistent-auth")!.secrets, armored, "not re-encrypted");
  await s.record("00-persistent-auth", "tok", { output: { n: 4 }, secret: {} }, 1);
  assertEquals([s.step("tok")?.hasSecret, await s.secret("tok"), s.layer("00-persistent-auth")!.secrets], [
    false,
    undefined,
    undefined,
  ]);
  const reread = await t.open();
  assertEquals([reread.step("tok")?.output, await reread.secret("tok")], [{ n: 4 }, undefined]);
  await t.cleanup();
});

Deno.test("secrets handed out are copies", async () => {
  const t = await tempState();
  await t.state.record("00-persistent-auth", "k", { secret: { list: [1] } }, 1);
  const got = await t.state.secret<{ list: number[] }>("k");
  got!.list.push(2);
  assertEquals(await t.state.secret("k"), { list: [1] });
  await t.cleanup();
});

Deno.test("a wrong identity cannot decrypt (exit 3) and says how to fix it; it never overwrites", async () => {
  const t = await tempState();
  await t.state.record("00-persistent-auth", "s", { secret: { a: 1 } }, 1);
  const before = Deno.readTextFileSync(t.state.layerPath("00-persistent-auth"));
  const otherEnv = { HOME: `${t.dir}/other`, XDG_CONFIG_HOME: `${t.dir}/other` };
  await loadIdentity({ env: otherEnv, create: true }); // this user has an identity, just not the right one
  const other = await t.open(otherEnv);
  for (
    const f of [
      () => other.verifyDecryptable(),
      () => other.secret("s"),
      () => other.record("00-persistent-auth", "s2", { secret: { b: 2 } }, 1),
    ]
  ) {
    await assertRejects(f, (e) => {
      assert(e instanceof StrataError && e.exitCode === 3, String(e));
      assert(e.message.includes("cannot decrypt") && e.remedy!.includes("STRATA_AGE_KEY"), e.message);
    });
  }
  assertEquals(Deno.readTextFileSync(t.state.layerPath("00-persistent-auth")), before);
  const missing = await StateStore.open({
    dir: `${t.dir}/.strata`,
    cluster: "lab",
    env: { HOME: `${t.dir}/nobody` },
  });
  await assertRejects(
    () => missing.verifyDecryptable(),
    (e) => assert(String(e).includes("missing"), String(e)),
  );
  await t.cleanup();
});

Deno.test("layer 00 is protected: delete and forget refuse (exit 4), leaving it byte-identical", async () => {
  const t = await tempState();
  const s = t.state;
  assertEquals(PROTECTED_LAYERS, ["00-persistent-auth"]);
  await s.record("00-persistent-auth", "s", { output: { a: 1 }, secret: { k: 1 } }, 1);
  const before = Deno.readTextFileSync(s.layerPath("00-persistent-auth"));
  for (const f of [() => s.deleteLayer("00-persistent-auth"), () => s.forget("00-persistent-auth", "s")]) {
    await assertRejects(f, (e) => {
      assert(e instanceof RefusedError && e.exitCode === 4, String(e));
      assert(e.remedy!.includes("--including-persistent-auth"), e.remedy);
    });
  }
  assertEquals(Deno.readTextFileSync(s.layerPath("00-persistent-auth")), before);
  await s.forget("00-persistent-auth", "s", { allowProtected: true });
  await s.deleteLayer("00-persistent-auth", { allowProtected: true });
  assertEquals(s.layer("00-persistent-auth"), undefined);
  await assertRejects(() => Deno.stat(s.layerPath("00-persistent-auth")));
  await t.cleanup();
});

Deno.test("protect() marks any layer protected, in its document", async () => {
  const t = await tempState();
  assert(!t.state.isProtected("02-services"));
  await t.state.protect("02-services");
  await t.state.protect("02-services");
  const reread = await t.open();
  assert(reread.isProtected("02-services") && reread.layer("02-services")?.protected === true);
  await assertRejects(() => reread.deleteLayer("02-services"), (e) => assert(e instanceof RefusedError));
  await reread.deleteLayer("02-services", { allowProtected: true });
  await t.cleanup();
});

Deno.test("complete and noteRun record how the last run of a layer ended", async () => {
  const t = await tempState();
  await t.state.noteRun("01-infrastructure", {
    command: "apply",
    outcome: "interrupted",
    at: 5,
    steps: ["vm.a"],
  });
  assertEquals((await t.open()).layer("01-infrastructure")?.lastRun?.outcome, "interrupted");
  await t.state.complete("01-infrastructure", 9);
  const doc = (await t.open()).layer("01-infrastructure")!;
  assertEquals([doc.completedAt, doc.lastRun], [9, undefined]);
  await t.state.record("01-infrastructure", "vm.a", { output: {} }, 1);
  await t.state.forget("01-infrastructure", "vm.a");
  assertEquals(t.state.layer("01-infrastructure")?.completedAt, undefined, "a forgotten step un-completes");
  await t.cleanup();
});

Deno.test("state.lock() guards the cluster's state", async () => {
  const t = await tempState("homelab");
  const release = t.state.lock("bootstrap");
  assertEquals(t.state.lockPath, `${t.dir}/.strata/homelab/lock`);
  try {
    (await t.open()).lock("destroy");
    throw new Error("locked twice");
  } catch (err) {
    assert(err instanceof LockedError && err.exitCode === 3, String(err));
  }
  release();
  (await t.open()).lock("destroy")();
  await t.cleanup();
});
