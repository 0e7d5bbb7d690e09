import { assert, assertEquals, assertRejects } from "../../tests/testing.ts";
import { systemClock } from "../../lib/clock/clock.ts";
import { createCa } from "../../lib/pki/mod.ts";
import { sshFingerprint } from "../../lib/keys/ssh_key.ts";
import { knownHostsLine } from "../../lib/keys/known_hosts.ts";
import { HostKeyChangedError, SshClient } from "../../lib/ssh/client.ts";
import { PreflightError } from "../../lib/errors.ts";
import { TraceLog } from "../trace.ts";
import { LabWorld } from "../world.ts";
import { labClientKey, proxmoxWorld, startSshEmulator } from "./server.ts";

async function lab() {
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
  });
  const key = await labClientKey(world);
  const connect = (extra: Partial<Parameters<typeof SshClient.connect>[0]> = {}) =>
    SshClient.connect({
      host: "10.0.0.10",
      dialAddress: "127.0.0.10",
      port: emu.port,
      user: "root",
      privateKey: key.privateKey,
      knownHostsFiles: [],
      clock: systemClock,
      ...extra,
    });
  return { world, trace, emu, ca, connect };
}

Deno.test("a pinned host key connects; pveum and the root CA answer; other commands fail like bash", async () => {
  const { world, trace, emu, ca, connect } = await lab();
  const ssh = await connect({ pinnedFingerprint: sshFingerprint(emu.hostPublicKey) });
  try {
    assertEquals(
      (await ssh.exec(["pveum", "user", "add", "strata@pve", "--comment", "strata's user"])).code,
      0,
    );
    const dup = await ssh.exec(["pveum", "user", "add", "strata@pve"]);
    assertEquals([dup.code, dup.stderr], [255, "create user failed: user 'strata@pve' already exists\n"]);
    const users = JSON.parse(await ssh.run(["pveum", "user", "list", "--output-format", "json"]));
    assertEquals(users.map((u: { userid: string }) => u.userid).sort(), ["root@pam", "strata@pve"]);
    assertEquals(users.find((u: { userid: string }) => u.userid === "strata@pve").comment, "strata's user");
    assertEquals(await ssh.run(["cat", "/etc/pve/pve-root-ca.pem"]), ca.certificate);
    const unknown = await ssh.exec(["rm", "-rf", "/"]);
    assertEquals([unknown.code, unknown.stderr], [127, "bash: line 1: rm: command not found\n"]);
    assert(proxmoxWorld(world).access.users["strata@pve"], "state is the lab world's");
    assert(trace.entries.some((e) => e.system === "ssh" && e.path.startsWith("pveum user add")));
  } finally {
    ssh.close();
    await emu.close();
  }
});

Deno.test("known_hosts (plain, with port) is accepted; an unknown key stops with its fingerprint; a changed key is refused", async () => {
  const { emu, connect } = await lab();
  const dir = await Deno.makeTempDir();
  try {
    const known = `${dir}/known_hosts`;
    Deno.writeTextFileSync(known, knownHostsLine("10.0.0.10", emu.hostPublicKey, emu.port) + "\n");
    (await connect({ knownHostsFiles: [known] })).close();

    const fp = sshFingerprint(emu.hostPublicKey);
    await assertRejects(() => connect(), (e) => {
      assert(e instanceof PreflightError && e.exitCode === 3, String(e));
      assert(e.message.includes(fp) && e.remedy!.includes("hostKeyFingerprint"), e.message);
    });

    const trusted = `${dir}/trusted`;
    (await connect({ trustNewHostKey: true, trustedHostsFile: trusted })).close();
    assert(Deno.readTextFileSync(trusted).includes(emu.hostPublicKey.split(" ")[1]), "recorded");
    (await connect({ trustedHostsFile: trusted })).close();

    const other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    Deno.writeTextFileSync(known, knownHostsLine("10.0.0.10", other, emu.port) + "\n");
    for (
      const opts of [{ knownHostsFiles: [known] }, {
        knownHostsFiles: [known],
        trustNewHostKey: true,
        trustedHostsFile: `${dir}/t2`,
      }]
    ) {
      await assertRejects(() => connect(opts), (e) => assert(e instanceof HostKeyChangedError, String(e)));
    }
    await assertRejects(
      () => connect({ pinnedFingerprint: sshFingerprint(other) }),
      (e) => assert(e instanceof HostKeyChangedError),
    );
  } finally {
    await emu.close();
    await Deno.remove(dir, { recursive: true });
  }
});
