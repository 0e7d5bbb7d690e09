/**
 * An emulated Proxmox host reachable over SSH: an `ssh2` server on the host's loopback address with
 * its own host key (persisted in the world's `ssh` section), accepting public-key logins for the
 * configured users with the lab's client key or any authorized key, and running each exec request
 * through {@link runRemoteCommand} (pveum, the root CA, bash's "command not found").
 *
 * Like sshd on PVE it honours `LANG`/`LC_*` sent by the client (`AcceptEnv LANG LC_*`), which decides
 * whether pveum draws UTF-8 or ASCII tables. Each command takes the profile's API-call time on the
 * lab clock; faults can drop a command's channel, delay it, or fail it as a cluster-filesystem lock
 * timeout does (`cfs-lock 'file-user_cfg' error: got lock request timeout`).
 *
 * @example
 * ```ts
 * const emu = await startSshEmulator({ world, trace, host: "pve1", address: "127.0.0.10", port: 0,
 *   rootCaPem: () => pveRootCaPem(world, "pve1") });
 * // ssh -p emu.port root@127.0.0.10 pveum user list
 * await emu.close();
 * ```
 */
import ssh2 from "ssh2";
import type { Clock } from "../../lib/clock/clock.ts";
import { generateSshKey, parseSshPublicKey } from "../../lib/keys/ssh_key.ts";
import type { Faults } from "../faults.ts";
import { type LatencyProfile, pick } from "../profile.ts";
import type { Trace } from "../trace.ts";
import type { LabWorld } from "../world.ts";
import { runRemoteCommand } from "./shell.ts";

export { type ProxmoxWorld, proxmoxWorld } from "../proxmox/access.ts";

export interface SshWorld {
  /** The key strata's client uses in the lab (OpenSSH private key) and its public line. */
  client?: { privateKey: string; publicKey: string };
  /** More public keys every emulated host accepts (`authorized_keys` lines). */
  authorizedKeys?: string[];
  hosts: Record<string, { hostKey: string; hostPublicKey: string }>;
}

export function sshWorld(world: LabWorld): SshWorld {
  const ssh = world.section<SshWorld>("ssh", () => ({ hosts: {} }));
  ssh.hosts ??= {};
  return ssh;
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
  /** Loopback address and port to listen on (0: any free port). */
  address: string;
  port: number;
  /** The host's PVE root CA PEM (lab/proxmox/pki.ts creates it on first use). */
  rootCaPem: () => Promise<string>;
  clock?: Clock;
  profile?: LatencyProfile;
  random?: () => number;
  faults?: Faults;
  /** Login names accepted; default root. */
  users?: string[];
  /** Public keys accepted besides the lab client key and the world's `ssh.authorizedKeys`. */
  authorizedKeys?: string[];
  /** Makes token secrets (tests pin them). */
  newSecret?: () => string;
}

export interface SshEmulator {
  port: number;
  /** `ssh-ed25519 AAAA… root@<host>`. */
  hostPublicKey: string;
  close(): Promise<void>;
}

/** The host's key pair, created once per world and host. */
async function hostKey(world: LabWorld, host: string) {
  const ssh = sshWorld(world);
  if (!ssh.hosts[host]) {
    const key = await generateSshKey(`root@${host}`);
    ssh.hosts[host] = { hostKey: key.privateKey, hostPublicKey: key.publicKey };
    await world.save();
  }
  return ssh.hosts[host];
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

// ssh2's server objects are untyped
// deno-lint-ignore no-explicit-any
type Any = any;

export async function startSshEmulator(options: SshEmulatorOptions): Promise<SshEmulator> {
  const { world, trace, host } = options;
  const key = await hostKey(world, host);
  const client = await labClientKey(world);
  const authorized = [
    client.publicKey,
    ...(sshWorld(world).authorizedKeys ?? []),
    ...(options.authorizedKeys ?? []),
  ]
    .map((line) => ({ blob: parseSshPublicKey(line).blob, key: ssh2.utils.parseKey(line) as Any }));
  const users = options.users ?? ["root"];
  const connections = new Set<Any>();
  const closing = new AbortController();

  const delay = async (ms: number) => {
    if (options.clock && ms > 0) await options.clock.sleep(ms, closing.signal).catch(() => {});
  };

  const exec = async (command: string, utf8: boolean, stream: Any) => {
    const fault = options.faults?.next() ?? { kind: "none" };
    if (options.profile) await delay(pick(options.profile.apiCall, options.random ?? Math.random));
    if (fault.kind === "spike") await delay(fault.ms);
    let r: { code: number; stdout: string; stderr: string };
    if (fault.kind === "drop") {
      trace.record({ system: "ssh", method: "exec", path: command, params: {}, status: "dropped", host });
      stream.close();
      return;
    }
    if (fault.kind === "error" && /^\s*pveum\b/.test(command)) {
      r = { code: 255, stdout: "", stderr: "cfs-lock 'file-user_cfg' error: got lock request timeout\n" };
    } else {
      r = await runRemoteCommand(command, {
        world,
        rootCaPem: options.rootCaPem,
        utf8,
        newSecret: options.newSecret,
      });
    }
    trace.record({
      system: "ssh",
      method: "exec",
      path: command,
      params: {},
      status: r.code,
      host,
      ...(options.clock ? { at: options.clock.now() } : {}),
    });
    if (r.stdout) stream.write(r.stdout);
    if (r.stderr) stream.stderr.write(r.stderr);
    stream.exit(r.code);
    stream.end();
  };

  const server = new ssh2.Server({ hostKeys: [key.hostKey] }, (conn: Any) => {
    connections.add(conn);
    conn.setNoDelay(true); // as sshd does: small request/response packets, no Nagle delay
    conn.on("close", () => connections.delete(conn));
    conn.on("error", () => {});
    conn.on("authentication", (ctx: Any) => {
      if (ctx.method !== "publickey" || !users.includes(ctx.username)) return ctx.reject(["publickey"]);
      const blob = new Uint8Array(ctx.key.data);
      const match = authorized.find((a) => same(a.blob, blob));
      if (!match) return ctx.reject(["publickey"]);
      // without a signature the client only asks whether the key would do; with one it proves it holds it
      if (ctx.signature && !match.key.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) {
        return ctx.reject(["publickey"]);
      }
      ctx.accept();
    });
    conn.on("ready", () => {
      conn.on("session", (accept: () => Any) => {
        const session = accept();
        const env: Record<string, string> = {};
        session.on(
          "env",
          (acceptEnv: (() => void) | undefined, _reject: unknown, info: { key: string; val: string }) => {
            if (/^(LANG|LC_[A-Z]+)$/.test(info.key)) env[info.key] = info.val;
            acceptEnv?.();
          },
        );
        session.on("pty", (acceptPty: (() => void) | undefined) => acceptPty?.());
        session.on("shell", (_accept: unknown, reject: () => void) => reject());
        session.on("exec", (acceptExec: () => Any, _reject: unknown, info: { command: string }) => {
          const locale = env.LC_ALL ?? env.LC_CTYPE ?? env.LANG ?? "en_US.UTF-8";
          exec(info.command, /utf-?8/i.test(locale), acceptExec()).catch((err) => conn.end(err));
        });
      });
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.address, () => resolve(server.address().port));
  });
  return {
    port,
    hostPublicKey: key.hostPublicKey,
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        for (const c of connections) c.end();
        server.close(() => resolve());
      }),
  };
}
