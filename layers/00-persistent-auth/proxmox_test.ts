import { assert, assertEquals } from "../../tests/testing.ts";
import { systemClock } from "../../lib/clock/clock.ts";
import type { EngineEvent } from "../../lib/engine/types.ts";
import { applyLayer, destroyLayer, type EngineOptions, planLayer } from "../../lib/engine/run.ts";
import { StateStore } from "../../lib/state/store.ts";
import { sshFingerprint } from "../../lib/keys/ssh_key.ts";
import { SshClient } from "../../lib/ssh/client.ts";
import { TraceLog } from "../../lab/trace.ts";
import { LabWorld } from "../../lab/world.ts";
import { labClientKey, startSshEmulator } from "../../lab/ssh/server.ts";
import { pveRootCaPem } from "../../lab/proxmox/pki.ts";
import { runPveum } from "../../lab/proxmox/pveum.ts";
import { authenticateApiToken, effectivePrivileges, proxmoxWorld } from "../../lab/proxmox/access.ts";
import { CSI_PRIVILEGES, PROVISIONER_PRIVILEGES, proxmoxAccessStep, proxmoxCaStep } from "./proxmox.ts";

const STEP = "auth.proxmox-access.pve1";

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
    rootCaPem: () => pveRootCaPem(world, "pve1"),
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
  const state = await StateStore.open({
    dir,
    cluster: "c",
    env: { HOME: dir, XDG_CONFIG_HOME: dir, STRATA_QUIET: "1" },
  });
  const events: EngineEvent[] = [];
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
  const access = () => proxmoxWorld(world).access;
  const pveum = (...args: string[]) => assertEquals(runPveum(access(), args).code, 0, args.join(" "));
  const notices = () =>
    events.filter((e) => e.type === "notice").map((e) => (e as { message: string }).message);
  return {
    world,
    trace,
    state,
    opts,
    layer,
    access,
    pveum,
    notices,
    cleanup: async () => {
      await emu.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** pveum commands that change something, from the SSH trace. */
const writes = (t: TraceLog, from = 0) =>
  t.entries.slice(from).map((e) => e.path).filter((p) =>
    /^pveum \S+ (\S+ )?(add|modify|remove|delete)\b/.test(p)
  );

Deno.test("a fresh host gets the user, least-privilege roles, ACLs and two privsep tokens; a re-run writes nothing", async () => {
  const t = await setup();
  try {
    assert((await applyLayer(t.layer(), t.opts)).ok);
    const access = t.access();
    assertEquals(access.roles.StrataProvisioner, [...PROVISIONER_PRIVILEGES].sort());
    assertEquals(access.roles.StrataCSI, [...CSI_PRIVILEGES].sort());
    const tokens = access.users["strata@pve"].tokens;
    assertEquals(Object.keys(tokens).sort(), ["csi", "strata"]);
    assert(Object.values(tokens).every((tk) => tk.privsep), "privilege separation on");
    const secrets = await t.state.secret<{ tokens: Record<string, string> }>(STEP);
    for (const name of ["strata", "csi"]) {
      const header = `PVEAPIToken=strata@pve!${name}=${secrets!.tokens[name]}`;
      assertEquals(
        authenticateApiToken(access, header),
        { authid: `strata@pve!${name}` },
        "the stored secret works",
      );
    }
    const output = t.state.step(STEP)!.output;
    assertEquals(output.created, { user: true, roles: ["StrataProvisioner", "StrataCSI"] });
    assert(!JSON.stringify(output).includes(secrets!.tokens.strata), "no secret in the public output");
    const ca = t.state.step("auth.proxmox-ca.pve1")!.output;
    assertEquals(ca.caPem, await pveRootCaPem(t.world, "pve1"));
    // what each token may do
    const can = (authid: string, path: string) => effectivePrivileges(access, authid, path);
    assert(can("strata@pve!strata", "/vms/1101").has("VM.Allocate"));
    assert(can("strata@pve!strata", "/sdn/zones/localnetwork/vmbr0/10").has("SDN.Use"));
    assert(
      !can("strata@pve!strata", "/storage/local-lvm").has("Datastore.Allocate"),
      "cannot manage storages",
    );
    assert(!can("strata@pve!strata", "/access").has("Permissions.Modify"), "cannot widen its own access");
    assert(!can("strata@pve!csi", "/vms/1101").has("VM.Allocate"), "the CSI token cannot create VMs");
    assert(can("strata@pve!csi", "/storage/local-lvm").has("Datastore.Allocate"));

    const before = t.trace.entries.length;
    assert((await applyLayer(t.layer(), t.opts)).ok);
    assertEquals(writes(t.trace, before), [], "the second run changes nothing");
    const plan = await planLayer(t.layer(), t.opts);
    assert(plan[STEP].every((c) => c.action === "noop"), JSON.stringify(plan[STEP]));
  } finally {
    await t.cleanup();
  }
});

Deno.test("a token that exists without its secret in state stops the step; --rotate-proxmox-tokens replaces it", async () => {
  const t = await setup();
  try {
    t.pveum("user", "add", "strata@pve");
    t.pveum("user", "token", "add", "strata@pve", "strata");
    const old = t.access().users["strata@pve"].tokens.strata.secret;
    const plan = await planLayer(t.layer(), t.opts);
    assert(plan[STEP].some((c) => c.detail?.includes("--rotate-proxmox-tokens")), JSON.stringify(plan[STEP]));
    const outcome = await applyLayer(t.layer(), t.opts);
    assert(!outcome.ok && !outcome.interrupted, "must fail");
    const err = (outcome as { error: { message: string; remedy?: string } }).error;
    assert(err.message.includes("its secret is not in strata's state"), err.message);
    assert(err.remedy!.includes("--rotate-proxmox-tokens"), err.remedy);
    assertEquals(t.access().users["strata@pve"].tokens.strata.secret, old, "not silently replaced");

    assert((await applyLayer(t.layer(true), t.opts)).ok);
    const secrets = await t.state.secret<{ tokens: Record<string, string> }>(STEP);
    assert(secrets!.tokens.strata !== old);
    assertEquals(authenticateApiToken(t.access(), `PVEAPIToken=strata@pve!strata=${old}`), null);
    assert(authenticateApiToken(t.access(), `PVEAPIToken=strata@pve!strata=${secrets!.tokens.strata}`));
    assert(
      effectivePrivileges(t.access(), "strata@pve!strata", "/vms/1").has("VM.Allocate"),
      "ACL granted again",
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("drift: role privileges, a token's extra grants and privilege separation are put back", async () => {
  const t = await setup();
  try {
    assert((await applyLayer(t.layer(), t.opts)).ok);
    t.pveum("role", "modify", "StrataCSI", "--privs", "VM.Allocate", "--append", "1");
    t.pveum("acl", "modify", "/", "--tokens", "strata@pve!strata", "--roles", "Administrator");
    t.pveum("user", "token", "modify", "strata@pve", "csi", "--privsep", "0");
    assert((await applyLayer(t.layer(), t.opts)).ok);
    assertEquals(t.access().roles.StrataCSI, [...CSI_PRIVILEGES].sort());
    assert(!t.access().acl.some((a) => a.roleid === "Administrator"));
    assert(t.access().users["strata@pve"].tokens.csi.privsep);
    assertEquals(t.notices().length, 3, t.notices().join("\n"));
  } finally {
    await t.cleanup();
  }
});

Deno.test("a disabled strata user stops the step instead of being re-enabled", async () => {
  const t = await setup();
  try {
    t.pveum("user", "add", "strata@pve", "--enable", "0");
    const outcome = await applyLayer(t.layer(), t.opts);
    const err = (outcome as { error?: { message: string; remedy?: string } }).error;
    assert(
      !outcome.ok && err!.message.includes("disabled") && err!.remedy!.includes("--enable 1"),
      err?.message,
    );
    assertEquals(t.access().users["strata@pve"].enable, false);
  } finally {
    await t.cleanup();
  }
});

Deno.test("destroy removes strata's users, roles, tokens and ACLs, and only those", async () => {
  const t = await setup();
  try {
    t.pveum("user", "add", "alice@pve");
    t.pveum("role", "add", "Mine", "--privs", "VM.Audit");
    t.pveum("acl", "modify", "/", "--users", "alice@pve", "--roles", "Mine");
    t.pveum("user", "token", "add", "alice@pve", "ci");
    t.pveum("acl", "modify", "/vms", "--tokens", "alice@pve!ci", "--roles", "Mine");
    const foreign = JSON.stringify({ ...t.access(), users: { alice: t.access().users["alice@pve"] } });
    assert((await applyLayer(t.layer(), t.opts)).ok);
    assert((await destroyLayer(t.layer(), { ...t.opts, allowProtected: true })).ok);
    const access = t.access();
    assertEquals(Object.keys(access.users).sort(), ["alice@pve", "root@pam"]);
    assertEquals(Object.keys(access.roles), ["Mine"]);
    assertEquals(
      JSON.stringify({ ...access, users: { alice: access.users["alice@pve"] } }),
      foreign,
      "the rest is untouched",
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("destroy keeps a strata@pve user that existed before strata (its strata tokens go)", async () => {
  const t = await setup();
  try {
    t.pveum("user", "add", "strata@pve", "--comment", "made by hand");
    t.pveum("user", "token", "add", "strata@pve", "backup");
    assert((await applyLayer(t.layer(), t.opts)).ok);
    assertEquals(t.state.step(STEP)!.output.created, {
      user: false,
      roles: ["StrataProvisioner", "StrataCSI"],
    });
    assert((await destroyLayer(t.layer(), { ...t.opts, allowProtected: true })).ok);
    const user = t.access().users["strata@pve"];
    assertEquals([user.comment, Object.keys(user.tokens)], ["made by hand", ["backup"]]);
    assertEquals(t.access().roles, {});
    assertEquals(t.access().acl, []);
    assert(t.notices().some((n) => n.includes("existed before strata")));
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

Deno.test("each documented privilege cites an API call whose schema permissions name it", () => {
  const text = Deno.readTextFileSync(new URL("../../../shared/specs/proxmox/apidata.js", import.meta.url));
  type Node = { path: string; info?: Record<string, { permissions?: unknown }>; children?: Node[] };
  const perms = new Map<string, string>();
  const walk = (n: Node) => {
    for (const [verb, info] of Object.entries(n.info ?? {})) {
      perms.set(`${verb} ${n.path}`, JSON.stringify(info.permissions));
    }
    (n.children ?? []).forEach(walk);
  };
  (JSON.parse(text.slice(text.indexOf("["), text.lastIndexOf("]") + 1)) as Node[]).forEach(walk);
  const doc = Deno.readTextFileSync(new URL("../../docs/proxmox-privileges.md", import.meta.url));
  const rows = [...doc.matchAll(/^\| `([A-Za-z.]+)` +\|(.*)\|$/gm)];
  assertEquals(rows.length, PROVISIONER_PRIVILEGES.length + CSI_PRIVILEGES.length);
  for (const [, privilege, why] of rows) {
    const cited = [...why.matchAll(/`(GET|POST|PUT|DELETE) (\/[^`]+)`/g)].map((m) => `${m[1]} ${m[2]}`);
    assert(cited.length, `${privilege}: cites no API call`);
    for (const c of cited) assert(perms.has(c), `${privilege}: ${c} is not in apidata.js`);
    assert(
      cited.some((c) => perms.get(c)!.includes(privilege)),
      `${privilege}: none of ${cited.join(", ")} names it`,
    );
  }
});

/** pve1 from setup(), and pve2 on the same world (one PVE cluster) or on a world of its own. */
async function twoHosts(shared: boolean) {
  const t = await setup();
  const world2 = shared ? t.world : LabWorld.memory();
  const emu2 = await startSshEmulator({
    world: world2,
    trace: t.trace,
    host: "pve2",
    address: "127.0.0.11",
    port: 0,
    rootCaPem: () => pveRootCaPem(world2, "pve2"),
  });
  const key = await labClientKey(t.world);
  const connect2 = async () =>
    SshClient.connect({
      host: "10.0.0.11",
      dialAddress: "127.0.0.11",
      port: emu2.port,
      user: "root",
      privateKey: (shared ? key : await labClientKey(world2)).privateKey,
      pinnedFingerprint: sshFingerprint(emu2.hostPublicKey),
      knownHostsFiles: [],
      clock: systemClock,
    });
  // the API check, against each host's own user database
  const works = (w: LabWorld) => (_ctx: unknown, token: string, secret: string) =>
    Promise.resolve(
      authenticateApiToken(proxmoxWorld(w).access, `PVEAPIToken=strata@pve!${token}=${secret}`) !== null,
    );
  const [pve1, ca1] = t.layer().steps;
  const layer = (rotateTokens = false) => ({
    id: "00-persistent-auth" as const,
    steps: [
      rotateTokens ? t.layer(true).steps[0] : pve1,
      ca1,
      {
        ...proxmoxAccessStep({
          host: "pve2",
          connect: connect2,
          rotateTokens,
          peers: ["pve1"],
          tokenWorks: works(world2),
        }),
        dependsOn: ["auth.proxmox-access.pve1"],
      },
    ],
  });
  return {
    t,
    world2,
    layer,
    cleanup: async () => {
      await emu2.close();
      await t.cleanup();
    },
  };
}

Deno.test("hosts of one PVE cluster share the user database: the second host reuses the first one's tokens", async () => {
  const h = await twoHosts(true);
  try {
    assert((await applyLayer(h.layer(), h.t.opts)).ok);
    const one = await h.t.state.secret<{ tokens: Record<string, string> }>(STEP);
    const two = await h.t.state.secret<{ tokens: Record<string, string> }>("auth.proxmox-access.pve2");
    assertEquals(two, one);
    assertEquals(h.t.state.step("auth.proxmox-access.pve2")!.output.sharedWith, "pve1");
    assert(h.t.notices().some((n) => n.startsWith("pve2 shares its user database with pve1")));
    // rotation on pve1 is what pve2 ends up with (not a second rotation that would cut pve1 off)
    assert((await applyLayer(h.layer(true), h.t.opts)).ok);
    const rotated = await h.t.state.secret<{ tokens: Record<string, string> }>(STEP);
    assert(rotated!.tokens.strata !== one!.tokens.strata);
    assertEquals(await h.t.state.secret("auth.proxmox-access.pve2"), rotated);
    const header = `PVEAPIToken=strata@pve!strata=${rotated!.tokens.strata}`;
    assertEquals(authenticateApiToken(h.t.access(), header), { authid: "strata@pve!strata" });
    // destroy: pve2 leaves it to pve1, which removes everything it made
    assert((await destroyLayer(h.layer(), { ...h.t.opts, allowProtected: true })).ok);
    assertEquals(Object.keys(h.t.access().users), ["root@pam"]);
    assertEquals(Object.keys(h.t.access().roles), []);
  } finally {
    await h.cleanup();
  }
});

Deno.test("independent hosts each get their own tokens (a peer's secret does not work there)", async () => {
  const h = await twoHosts(false);
  try {
    assert((await applyLayer(h.layer(), h.t.opts)).ok);
    const one = await h.t.state.secret<{ tokens: Record<string, string> }>(STEP);
    const two = await h.t.state.secret<{ tokens: Record<string, string> }>("auth.proxmox-access.pve2");
    assert(two!.tokens.strata && two!.tokens.strata !== one!.tokens.strata);
    assertEquals(h.t.state.step("auth.proxmox-access.pve2")!.output.sharedWith, undefined);
    assertEquals(Object.keys(proxmoxWorld(h.world2).access.users).sort(), ["root@pam", "strata@pve"]);
  } finally {
    await h.cleanup();
  }
});
