import { assertEquals } from "../../tests/testing.ts";
import { LabWorld } from "../world.ts";
import { proxmoxWorld } from "../proxmox/access.ts";
import { runRemoteCommand, shellOperator } from "./shell.ts";

const ctx = () => ({ world: LabWorld.memory(), rootCaPem: () => Promise.resolve("PEM\n"), utf8: true });

Deno.test("shell operators outside quotes are found; quoted ones are plain text", () => {
  assertEquals(shellOperator("pveum user list | cat"), "|");
  assertEquals(shellOperator("pveum user add a@pve; rm -rf /"), ";");
  assertEquals(shellOperator("echo $(id)"), "$");
  assertEquals(shellOperator("pveum user add a@pve --comment 'a | b; $(c)'"), undefined);
  assertEquals(shellOperator('pveum user add a@pve --comment "x \\" ; y"'), undefined);
});

Deno.test("the remote shell: pveum changes the world, cat serves the CA, the rest fails like bash", async () => {
  const c = ctx();
  assertEquals(await runRemoteCommand("pveum user add 'a@pve' --comment 'x; y'", c), {
    code: 0,
    stdout: "",
    stderr: "",
  });
  assertEquals(proxmoxWorld(c.world).access.users["a@pve"].comment, "x; y");
  assertEquals(await runRemoteCommand("cat /etc/pve/pve-root-ca.pem", c), {
    code: 0,
    stdout: "PEM\n",
    stderr: "",
  });
  assertEquals(
    await runRemoteCommand("command pveum user list --output-format json", c).then((r) => r.code),
    0,
  );
  assertEquals(await runRemoteCommand("command -v pveum nope", c), {
    code: 1,
    stdout: "/usr/sbin/pveum\n",
    stderr: "",
  });
  assertEquals(await runRemoteCommand("pvesh get /version", c), {
    code: 127,
    stdout: "",
    stderr: "bash: line 1: pvesh: command not found\n",
  });
  assertEquals((await runRemoteCommand("pveum user list | cat", c)).code, 2);
  assertEquals((await runRemoteCommand("pveum 'unterminated", c)).code, 2);
  assertEquals(await runRemoteCommand("   ", c), { code: 0, stdout: "", stderr: "" });
});
