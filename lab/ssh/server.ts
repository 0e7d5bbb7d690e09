/**
 * An emulated Proxmox host reachable over SSH: an `ssh2` server on the host's loopback address,
 * with its own persisted host key, accepting the lab's client key, running the `pveum`
 * subcommands against the lab's access state and serving `/etc/pve/pve-root-ca.pem`. Any other
 * command fails as bash does for an unknown command.
 */
import ssh2 from "ssh2";
import { generateSshKey, parseSshPublicKey } from "../../lib/keys/ssh_key.ts";
import { shellSplit } from "../../lib/ssh/quote.ts";
import type { Trace } from "../trace.ts";
import type { LabWorld } from "../world.ts";
import { proxmoxWorld } from "../proxmox/access.ts";

export { type ProxmoxWorld, proxmoxWorld } from "../proxmox/access.ts";
import { runPveum } from "../proxmox/pveum.ts";

export interface SshWorld {
  /** The key strata's client uses in the lab (OpenSSH private key) and its public line. */
  client?: { privateKey: string; publicKey: string };
  hosts: Record<string, { hostKey: string; hostPublicKey: string }>;
}

export function sshWorld(world: LabWorld): SshWorld {
  return world.section<SshWorld>("ssh", () => ({ hosts: {} }));
}

/** The lab's client key pair, created once per world. */
export async function labClientKey(world: LabWorld): Promise<{ privateKey: string; publicKey: string }> {
  const ssh = sshWorld(world);
  if (!ssh.client) {
    const key = await generateSshKey("strata-lab-client");
    ssh.client = { privateKey: key.privateKey, publicKey: key.publicKey };
    await world.save();
  }
  return ssh.client;
}

export interface SshEmulatorOptions {
  world: LabWorld;
  trace: Trace;
  /** Proxmox node name. */
  host: string;
  /** Loopback address and port to listen on. */
  address: string;
  port: number;
  /** Returns the host's PVE root CA PEM (created on first use by the Proxmox emulator's PKI). */
  rootCaPem: () => Promise<string>;
}

export interface SshEmulator {
  port: number;
  hostPublicKey: string;
  close(): Promise<void>;
}

export async function startSshEmulator(options: SshEmulatorOptions): Promise<SshEmulator> {
  const { world, trace, host } = options;
  const ssh = sshWorld(world);
  if (!ssh.hosts[host]) {
    const key = await generateSshKey(`root@${host}`);
    ssh.hosts[host] = { hostKey: key.privateKey, hostPublicKey: key.publicKey };
    await world.save();
  }
  const client = await labClientKey(world);
  const allowed = parseSshPublicKey(client.publicKey);
  const allowedKey = ssh2.utils.parseKey(client.publicKey);

  const run = async (command: string): Promise<{ code: number; stdout: string; stderr: string }> => {
    let argv: string[];
    try {
      argv = shellSplit(command);
    } catch {
      return {
        code: 2,
        stdout: "",
        stderr: "bash: -c: line 1: unexpected EOF while looking for matching quote\n",
      };
    }
    if (argv[0] === "pveum") {
      const pve = proxmoxWorld(world);
      const r = runPveum(pve.access, argv.slice(1));
      if (r.code === 0) await world.save();
      return r;
    }
    if (argv[0] === "cat" && argv.length === 2 && argv[1] === "/etc/pve/pve-root-ca.pem") {
      return { code: 0, stdout: await options.rootCaPem(), stderr: "" };
    }
    if (argv[0] === "cat") {
      return { code: 1, stdout: "", stderr: `cat: ${argv[1]}: No such file or directory\n` };
    }
    if (argv[0] === "command" && argv[1] === "-v" && argv[2] === "pveum") {
      return { code: 0, stdout: "/usr/sbin/pveum\n", stderr: "" };
    }
    return { code: 127, stdout: "", stderr: `bash: line 1: ${argv[0] ?? ""}: command not found\n` };
  };

  // deno-lint-ignore no-explicit-any
  const server = new ssh2.Server({ hostKeys: [ssh.hosts[host].hostKey] }, (conn: any) => {
    // deno-lint-ignore no-explicit-any
    conn.on("authentication", (ctx: any) => {
      const blob = new Uint8Array(ctx.key?.data ?? []);
      const matches = ctx.method === "publickey" && blob.length === allowed.blob.length &&
        blob.every((b: number, i: number) => b === allowed.blob[i]);
      if (!matches) return ctx.reject(["publickey"]);
      if (ctx.signature && !allowedKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) {
        return ctx.reject(["publickey"]);
      }
      ctx.accept();
    });
    conn.on("ready", () => {
      // deno-lint-ignore no-explicit-any
      conn.on("session", (accept: () => any) => {
        const session = accept();
        // deno-lint-ignore no-explicit-any
        session.on("exec", async (acceptExec: () => any, _reject: unknown, info: { command: string }) => {
          const stream = acceptExec();
          const r = await run(info.command);
          trace.record({
            system: "ssh",
            method: "exec",
            path: info.command,
            params: {},
            status: r.code,
            host,
          });
          if (r.stdout) stream.write(r.stdout);
          if (r.stderr) stream.stderr.write(r.stderr);
          stream.exit(r.code);
          stream.end();
        });
      });
    });
    conn.on("error", () => {});
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.address, () => resolve(server.address().port));
  });
  return {
    port,
    hostPublicKey: ssh.hosts[host].hostPublicKey,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
