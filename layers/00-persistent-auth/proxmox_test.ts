import { assert, assertEquals } from "../../tests/testing.ts";
import { systemClock } from "../../lib/clock/clock.ts";
import { applyLayer, destroyLayer, type EngineOptions } from "../../lib/engine/run.ts";
import { StateStore } from "../../lib/state/store.ts";
import { sshFingerprint } from "../../lib/keys/ssh_key.ts";
import { SshClient } from "../../lib/ssh/client.ts";
import { TraceLog } from "../../lab/trace.ts";
import { LabWorld } from "../../lab/world.ts";
import { labClientKey, proxmoxWorld, startSshEmulator } from "../../lab/ssh/server.ts";
import { ensurePveCa } from "../../lab/proxmox/pki.ts";
import { runPveum } from "../../lab/proxmox/pveum.ts";
import { CSI_PRIVILEGES, PROVISIONER_PRIVILEGES, proxmoxAccessStep, proxmoxCaStep } from "./proxmox.ts";

async function setup() {
  const dir = await Deno.makeTempDir();
  const world = LabWorld.memory();
  const trace = new TraceLog();
  const emu = await startSshEmulator({
    world,
    trace,
    host: "pve1",
    address: "127.0.0.10",
    port: 0,
    rootCaPem: async () => (await ensurePveCa(world, "pve1")).certificate,
  });
  const key = await labClientKey(world);
  const connect = () =>
    SshClient.connect({
      host: "10.0.0.10",
      dialAddress: "127.0.0.10",
      port: emu.port,
      user: "root",
      privateKey: key.privateKey,
      pinnedFingerprint: sshFingerprint(emu.hostPublicKey),
      knownHostsFiles: [],
      clock: systemClock,
    });
  const state = await StateStore.open({ dir, cluster: "c", env: { HOME: dir, XDG_CONFIG_HOME: dir } });
  const events: unknown[] = [];
  const opts: EngineOptions = {
    clock: systemClock,
    state,
    reporter: { event: (e) => events.push(e), close: () => Promise.resolve() },
    signal: new AbortController().signal,
  };
  const layer = (rotateTokens = false) => ({
    id: "00-persistent-auth" as const,
    steps: [
      proxmoxAccessStep({ host: "pve1", connect, rotateTokens }),
      proxmoxCaStep({ host: "pve1", connect }),
    ],
  });
  return {
    world,
    trace,
    state,
    opts,
    layer,
    access: () => proxmoxWorld(world).access,
    cleanup: async () => {
      await emu.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const adds = (t: TraceLog) =>
  t.entries.filter((e) => / (add|modify|remove|delete) /.test(e.path)).map((e) => e.path);

Deno.test("Proxmox access: user, least-privilege roles, ACLs, privsep tokens; a re-run changes nothing", async () => {
  const t = await setup();
  try {
    assert((await applyLayer(t.layer(), t.opts)).ok);
    const access = t.access();
    assertEquals(access.roles.StrataProvisioner, [...PROVISIONER_PRIVILEGES].sort());
    assertEquals(access.roles.StrataCSI, [...CSI_PRIVILEGES].sort());
    assertEquals(Object.keys(access.users["strata@pve"].tokens).sort(), ["csi", "strata"]);
    assert(Object.values(access.users["strata@pve"].tokens).every((tk) => tk.privsep));
    const secrets = await t.state.secret<{ tokens: Record<string, string> }>("auth.proxmox-access.pve1");
    assertEquals(secrets?.tokens.strata, access.users["strata@pve"].tokens.strata.secret);
    assert(t.state.step("auth.proxmox-ca.pve1")?.output.caPem);
    // the CSI token cannot create VMs; the provisioner token can
    const { effectivePrivileges } = await import("../../lab/proxmox/access.ts");
    assert(!effectivePrivileges(access, "strata@pve!csi", "/vms/100").has("VM.Allocate"));
    assert(effectivePrivileges(access, "strata@pve!strata", "/vms/100").has("VM.Allocate"));

    const before = t.trace.entries.length;
    assert((await applyLayer(t.layer(), t.opts)).ok);
    assertEquals(
      adds({ entries: t.trace.entries.slice(before) } as TraceLog),
      [],
      "second run writes nothing",
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("a token that exists without its secret in state stops the step; --rotate-proxmox-tokens replaces it", async () => {
  const t = await setup();
  try {
    runPveum(t.access(), ["user", "add", "strata@pve"]);
    runPveum(t.access(), ["user", "token", "add", "strata@pve", "strata"]);
    const old = t.access().users["strata@pve"].tokens.strata.secret;
    const outcome = await applyLayer(t.layer(), t.opts);
    assert(!outcome.ok && !outcome.interrupted, "must fail");
    const err = (outcome as { error: { message: string; remedy?: string } }).error;
    assert(
      err.message.includes("secret is not in strata's state") &&
        err.remedy!.includes("--rotate-proxmox-tokens"),
    );
    assertEquals(t.access().users["strata@pve"].tokens.strata.secret, old, "not silently replaced");
    assert((await applyLayer(t.layer(true), t.opts)).ok);
    assert(t.access().users["strata@pve"].tokens.strata.secret !== old);
  } finally {
    await t.cleanup();
  }
});

Deno.test("destroy removes strata's users, roles, tokens and ACLs, and only those", async () => {
  const t = await setup();
  try {
    runPveum(t.access(), ["user", "add", "alice@pve"]);
    runPveum(t.access(), ["role", "add", "Mine", "--privs", "VM.Audit"]);
    runPveum(t.access(), ["acl", "modify", "/", "--users", "alice@pve", "--roles", "Mine"]);
    runPveum(t.access(), ["user", "token", "add", "alice@pve", "ci"]);
    assert((await applyLayer(t.layer(), t.opts)).ok);
    assert((await destroyLayer(t.layer(), { ...t.opts, allowProtected: true })).ok);
    const access = t.access();
    assertEquals(Object.keys(access.users).sort(), ["alice@pve", "root@pam"]);
    assertEquals(Object.keys(access.roles), ["Mine"]);
    assertEquals(access.acl.map((a) => a.ugid), ["alice@pve"]);
    assertEquals(Object.keys(access.users["alice@pve"].tokens), ["ci"]);
  } finally {
    await t.cleanup();
  }
});

Deno.test("the documented privilege lists are exactly the roles' privileges", () => {
  const doc = Deno.readTextFileSync(new URL("../../docs/proxmox-privileges.md", import.meta.url));
  const listed = (section: string) =>
    [...doc.split(`## ${section}`)[1].split("\n## ")[0].matchAll(/^\| `([A-Za-z.]+)` +\|/gm)].map((m) => m[1])
      .sort();
  assertEquals(listed("StrataProvisioner"), [...PROVISIONER_PRIVILEGES].sort());
  assertEquals(listed("StrataCSI"), [...CSI_PRIVILEGES].sort());
});
