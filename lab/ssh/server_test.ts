import { createHmac } from "node:crypto";
import { Buffer } from "node:buffer";
import { assert, assertEquals, assertRejects } from "../../tests/testing.ts";
import { ManualClock, systemClock } from "../../lib/clock/clock.ts";
import { PreflightError, TransientError } from "../../lib/errors.ts";
import { createCa } from "../../lib/pki/mod.ts";
import { generateSshKey, sshFingerprint } from "../../lib/keys/ssh_key.ts";
import { knownHostsLine } from "../../lib/keys/known_hosts.ts";
import { CommandFailedError, HostKeyChangedError, SshClient, type SshOptions } from "../../lib/ssh/client.ts";
import { Faults } from "../faults.ts";
import { PROFILES } from "../profile.ts";
import { TraceLog } from "../trace.ts";
import { LabWorld } from "../world.ts";
import { proxmoxWorld } from "../proxmox/access.ts";
import { labClientKey, type SshEmulatorOptions, startSshEmulator } from "./server.ts";

const OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

async function lab(extra: Partial<SshEmulatorOptions> = {}) {
  const world = LabWorld.memory();
  const trace = new TraceLog();
  const ca = await createCa({ keyType: "rsa-2048", subject: { commonName: "Proxmox Virtual Environment" } });
  const emu = await startSshEmulator({
    world,
    trace,
    host: "pve1",
    address: "127.0.0.10",
    port: 0,
    rootCaPem: () => Promise.resolve(ca.certificate),
    ...extra,
  });
  const key = await labClientKey(world);
  const dir = await Deno.makeTempDir();
  const connect = (o: Partial<SshOptions> = {}) =>
    SshClient.connect({
      host: "10.0.0.10",
      dialAddress: "127.0.0.10",
      port: emu.port,
      user: "root",
      privateKey: key.privateKey,
      knownHostsFiles: [],
      clock: systemClock,
      fingerprintField: "proxmox.hosts[0].ssh.hostKeyFingerprint",
      ...o,
    });
  const pinned = () => connect({ pinnedFingerprint: sshFingerprint(emu.hostPublicKey) });
  const cleanup = async () => {
    await emu.close();
    await Deno.remove(dir, { recursive: true });
  };
  return { world, trace, emu, ca, key, dir, connect, pinned, cleanup };
}

Deno.test("a pinned host: pveum and the root CA answer; other commands and shell syntax fail like bash", async () => {
  const t = await lab();
  const ssh = await t.pinned();
  try {
    const add = await ssh.exec(["pveum", "user", "add", "strata@pve", "--comment", "strata's user"]);
    assertEquals(add, { code: 0, stdout: "", stderr: "" });
    const dup = await ssh.exec(["pveum", "user", "add", "strata@pve"]);
    assertEquals(dup, {
      code: 255,
      stdout: "",
      stderr: "create user failed: user 'strata@pve' already exists\n",
    });
    const users = JSON.parse(await ssh.run(["pveum", "user", "list", "--output-format", "json"]));
    assertEquals(users.find((u: { userid: string }) => u.userid === "strata@pve").comment, "strata's user");
    assertEquals(await ssh.run(["cat", "/etc/pve/pve-root-ca.pem"]), t.ca.certificate);
    assertEquals(await ssh.exec(["command", "-v", "pveum"]), {
      code: 0,
      stdout: "/usr/sbin/pveum\n",
      stderr: "",
    });
    assertEquals(await ssh.exec(["qm", "list"]), {
      code: 127,
      stdout: "",
      stderr: "bash: line 1: qm: command not found\n",
    });
    assertEquals(
      (await ssh.exec(["cat", "/etc/shadow"])).stderr,
      "cat: /etc/shadow: No such file or directory\n",
    );
    assert(proxmoxWorld(t.world).access.users["strata@pve"], "the state is the lab world's");
    assert(
      t.trace.entries.some((e) =>
        e.system === "ssh" && e.path.startsWith("pveum user add") && e.host === "pve1"
      ),
    );
    const failed = await assertRejects(() => ssh.run(["pveum", "role", "add", "X", "--privs", "VM.Fly"]));
    assert(
      failed instanceof CommandFailedError && failed.message.includes("invalid privilege 'VM.Fly'"),
      String(failed),
    );
  } finally {
    ssh.close();
    await t.cleanup();
  }
});

Deno.test("the session's LANG decides between UTF-8 and ASCII tables", async () => {
  const t = await lab();
  const ssh = await t.pinned();
  try {
    const utf8 = await ssh.run(["pveum", "role", "list"]);
    const ascii = await ssh.run(["pveum", "role", "list"], { env: { LANG: "C" } });
    assert(utf8.startsWith("┌") && ascii.startsWith("+-"), ascii.slice(0, 20));
  } finally {
    ssh.close();
    await t.cleanup();
  }
});

/** What `ssh-keygen -H` writes for a name. */
function hashed(name: string): string {
  const salt = crypto.getRandomValues(new Uint8Array(20));
  return `|1|${Buffer.from(salt).toString("base64")}|${
    createHmac("sha1", salt).update(name).digest("base64")
  }`;
}

Deno.test("host keys: known_hosts (plain and hashed) accepted; unknown stops with exit 3 and the fingerprint", async () => {
  const t = await lab();
  try {
    const known = `${t.dir}/known_hosts`;
    Deno.writeTextFileSync(known, knownHostsLine("10.0.0.10", t.emu.hostPublicKey, t.emu.port) + "\n");
    (await t.connect({ knownHostsFiles: [known] })).close();
    Deno.writeTextFileSync(known, `${hashed(`[10.0.0.10]:${t.emu.port}`)} ${t.emu.hostPublicKey}\n`);
    (await t.connect({ knownHostsFiles: [known, `${t.dir}/missing`] })).close();

    const fp = sshFingerprint(t.emu.hostPublicKey);
    const err = await assertRejects(() => t.connect({ knownHostsFiles: [`${t.dir}/missing`] }));
    assert(err instanceof PreflightError && err.exitCode === 3, String(err));
    assert(err.message.includes(`ssh-ed25519 ${fp}`), err.message);
    assert(err.remedy!.includes(`proxmox.hosts[0].ssh.hostKeyFingerprint: "${fp}"`), err.remedy);
    assert(err.remedy!.includes("--trust-new-host-key"), err.remedy);

    const trusted = `${t.dir}/strata/known_hosts`;
    (await t.connect({ trustNewHostKey: true, trustedHostsFile: trusted })).close();
    assertEquals(
      Deno.readTextFileSync(trusted),
      `[10.0.0.10]:${t.emu.port} ${t.emu.hostPublicKey.split(" ").slice(0, 2).join(" ")}\n`,
    );
    (await t.connect({ trustedHostsFile: trusted })).close();
  } finally {
    await t.cleanup();
  }
});

Deno.test("a changed or revoked host key is refused, whatever the options", async () => {
  const t = await lab();
  try {
    const known = `${t.dir}/known_hosts`;
    Deno.writeTextFileSync(known, knownHostsLine("10.0.0.10", OTHER_KEY, t.emu.port) + "\n");
    const trusted = `${t.dir}/trusted`;
    for (
      const opts of [{ knownHostsFiles: [known] }, {
        knownHostsFiles: [known],
        trustNewHostKey: true,
        trustedHostsFile: trusted,
      }]
    ) {
      const err = await assertRejects(() => t.connect(opts));
      assert(err instanceof HostKeyChangedError && err.exitCode === 3, String(err));
      assert(err.message.includes("CHANGED") && err.message.includes(sshFingerprint(OTHER_KEY)), err.message);
      assert(err.message.includes(`${known}:1`), "names where the expected key is");
    }
    assert(!(await Deno.stat(trusted).catch(() => null)), "nothing recorded");
    const pinned = await assertRejects(() =>
      t.connect({ pinnedFingerprint: sshFingerprint(OTHER_KEY), trustNewHostKey: true })
    );
    assert(
      pinned instanceof HostKeyChangedError &&
        pinned.message.includes("proxmox.hosts[0].ssh.hostKeyFingerprint"),
    );
    Deno.writeTextFileSync(known, `@revoked * ${t.emu.hostPublicKey}\n`);
    const revoked = await assertRejects(() =>
      t.connect({ knownHostsFiles: [known], trustNewHostKey: true, trustedHostsFile: trusted })
    );
    assert(revoked instanceof HostKeyChangedError && revoked.message.includes("REVOKED"), String(revoked));
  } finally {
    await t.cleanup();
  }
});

Deno.test("logins: only authorized keys and configured users", async () => {
  const extra = await generateSshKey("alice@laptop");
  const t = await lab({ authorizedKeys: [extra.publicKey], users: ["root"] });
  try {
    const stranger = await generateSshKey("mallory");
    const err = await assertRejects(() =>
      t.connect({ pinnedFingerprint: sshFingerprint(t.emu.hostPublicKey), privateKey: stranger.privateKey })
    );
    assert(err instanceof PreflightError && err.message.includes("refused"), String(err));
    (await t.connect({
      pinnedFingerprint: sshFingerprint(t.emu.hostPublicKey),
      privateKey: extra.privateKey,
    })).close();
    const wrongUser = await assertRejects(() =>
      t.connect({ pinnedFingerprint: sshFingerprint(t.emu.hostPublicKey), user: "admin" })
    );
    assert(wrongUser instanceof PreflightError, String(wrongUser));
  } finally {
    await t.cleanup();
  }
});

Deno.test("faults: a dropped command is transient; a cfs lock timeout fails pveum and changes nothing", async () => {
  const drop = await lab({ faults: new Faults({ dropRate: 1 }) });
  let ssh = await drop.pinned();
  try {
    const err = await assertRejects(() => ssh.exec(["pveum", "user", "list"]));
    assert(err instanceof TransientError && err.message.includes("dropped"), String(err));
  } finally {
    ssh.close();
    await drop.cleanup();
  }
  const lock = await lab({ faults: new Faults({ errorRate: 1 }) });
  ssh = await lock.pinned();
  try {
    const r = await ssh.exec(["pveum", "user", "add", "x@pve"]);
    assertEquals(r, {
      code: 255,
      stdout: "",
      stderr: "cfs-lock 'file-user_cfg' error: got lock request timeout\n",
    });
    assert(!proxmoxWorld(lock.world).access.users["x@pve"]);
  } finally {
    ssh.close();
    await lock.cleanup();
  }
});

Deno.test("commands take the profile's time on the lab clock, and time out through it", async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const t = await lab({ clock, profile: { ...PROFILES.realistic, apiCall: { min: 5000, max: 5000 } } });
  const ssh = await t.connect({ pinnedFingerprint: sshFingerprint(t.emu.hostPublicKey), clock });
  try {
    const slow = ssh.exec(["pveum", "user", "list"], { timeoutMs: 1000 });
    const failed = assertRejects(
      () => slow,
      (e) =>
        assert(e instanceof TransientError && e.message.includes("did not finish within 1.0s"), String(e)),
    );
    while (clock.pending < 2) await new Promise((r) => setTimeout(r, 5));
    await clock.advance(1000);
    await failed;
    await clock.advance(4000); // the server finishes the abandoned command
    const ok = ssh.exec(["command", "-v", "pveum"], { timeoutMs: 10_000 });
    while (clock.pending < 2) await new Promise((r) => setTimeout(r, 5));
    await clock.advance(5000);
    assertEquals((await ok).code, 0);
  } finally {
    ssh.close();
    await t.cleanup();
    await clock.advance(10_000);
  }
});

Deno.test("the real OpenSSH client logs in, verifies the host key and runs pveum", async () => {
  const ssh = new Deno.Command("ssh", { args: ["-V"], stderr: "null" });
  if (!(await ssh.output().then(() => true, () => false))) return; // no OpenSSH client here
  const t = await lab();
  try {
    const keyFile = `${t.dir}/id`;
    await Deno.writeTextFile(keyFile, t.key.privateKey, { mode: 0o600 });
    await Deno.writeTextFile(
      `${t.dir}/known_hosts`,
      knownHostsLine("127.0.0.10", t.emu.hostPublicKey, t.emu.port) + "\n",
    );
    const out = await new Deno.Command("ssh", {
      args: [
        "-F",
        "/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        `UserKnownHostsFile=${t.dir}/known_hosts`,
        "-o",
        "IdentitiesOnly=yes",
        "-i",
        keyFile,
        "-p",
        String(t.emu.port),
        "root@127.0.0.10",
        "pveum",
        "user",
        "list",
        "--output-format",
        "json",
      ],
      env: { LANG: "C.UTF-8" },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assertEquals(JSON.parse(new TextDecoder().decode(out.stdout))[0].userid, "root@pam");
  } finally {
    await t.cleanup();
  }
});

Deno.test("authentication through a real ssh-agent (SSH_AUTH_SOCK) or a key file; neither is a preflight error", async () => {
  const t = await lab();
  const sock = `${t.dir}/agent.sock`;
  // -D: stay in the foreground, so the test owns the process and ends it
  const agent = new Deno.Command("ssh-agent", { args: ["-D", "-a", sock], stdout: "null", stderr: "null" })
    .spawn();
  try {
    for (let i = 0; i < 100 && !(await Deno.stat(sock).catch(() => null)); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await Deno.writeTextFile(`${t.dir}/id`, t.key.privateKey, { mode: 0o600 });
    const add = await new Deno.Command("ssh-add", {
      args: [`${t.dir}/id`],
      env: { SSH_AUTH_SOCK: sock },
      stderr: "piped",
    })
      .output();
    assertEquals(add.code, 0, new TextDecoder().decode(add.stderr));
    const ssh = await t.connect({
      privateKey: undefined,
      agent: sock,
      pinnedFingerprint: sshFingerprint(t.emu.hostPublicKey),
    });
    assertEquals((await ssh.exec(["command", "-v", "pveum"])).code, 0);
    ssh.close();
    const file = await t.connect({
      privateKey: undefined,
      privateKeyFile: `${t.dir}/id`,
      agent: "",
      pinnedFingerprint: sshFingerprint(t.emu.hostPublicKey),
    });
    file.close();
    const none = await assertRejects(() => t.connect({ privateKey: undefined, agent: "" }));
    assert(none instanceof PreflightError && none.message.includes("no SSH key"), String(none));
  } finally {
    agent.kill("SIGTERM");
    await agent.status;
    await t.cleanup();
  }
});
