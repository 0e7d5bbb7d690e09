/**
 * An SSH client (wrapping `ssh2`) that always verifies the host key and runs commands with a
 * timeout through the clock.
 *
 * - Pinned or known key: connect. Unknown key: stop with exit 3, printing the fingerprint and how to
 *   pin it, unless `trustNewHostKey` (then it is recorded in strata's own known_hosts file).
 * - Changed (or revoked) key: always refused, exit 3; no option overrides it.
 * - Authentication by a private key (text or file) or the SSH agent at `SSH_AUTH_SOCK`.
 * - Commands are argument lists, shell-quoted; a failing command's stderr is shown with secrets
 *   redacted.
 *
 * @example
 * ```ts
 * const ssh = await SshClient.connect({ host: "10.0.0.10", port: 22, user: "root", clock: systemClock,
 *   knownHostsFiles: ["~/.ssh/known_hosts"], fingerprintField: "proxmox.hosts[0].ssh.hostKeyFingerprint" });
 * const users = JSON.parse(await ssh.run(["pveum", "user", "list", "--output-format", "json"]));
 * ssh.close();
 * ```
 */
import ssh2 from "ssh2";
import { type Clock, formatDuration, TimeoutError, withTimeout } from "../clock/clock.ts";
import { PreflightError, StrataError, TransientError } from "../errors.ts";
import { hostKeyAlgorithms, verifyHostKey } from "./host_key.ts";
import { type KnownHostKey, knownHostsName, patternsMatch, readKnownHosts } from "./known_hosts.ts";
import { shellCommand } from "./quote.ts";
import { redact } from "./redact.ts";

export interface SshOptions {
  /** The configured address (shown in messages, matched in known_hosts). */
  host: string;
  port: number;
  user: string;
  /** Where to dial: the address itself, or its loopback twin in the lab. */
  dialAddress?: string;
  /** `SHA256:…` from the config; when set, known_hosts is not consulted. */
  pinnedFingerprint?: string;
  /** known_hosts files to read (`~` is the home directory; missing files are skipped). */
  knownHostsFiles: string[];
  /** strata's own known_hosts file: read too, and where `trustNewHostKey` records a new key. */
  trustedHostsFile?: string;
  /** Accept and record a host key never seen before. A changed key is still refused. */
  trustNewHostKey?: boolean;
  /** An OpenSSH private key (text). */
  privateKey?: string;
  /** A private key file, used when `privateKey` is not given. */
  privateKeyFile?: string;
  passphrase?: string;
  /** SSH agent socket; default `SSH_AUTH_SOCK`. Used when no private key is given. */
  agent?: string;
  clock: Clock;
  /** The config field that pins this host's key, named in messages. */
  fingerprintField?: string;
  /** Connect timeout (virtual ms), default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Virtual ms; default 60 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Values to remove from error messages (in addition to anything shaped like a secret). */
  secrets?: readonly string[];
  /** Environment variables to send (sshd passes on what its AcceptEnv allows, e.g. LANG). */
  env?: Record<string, string>;
}

/** The host presented another key than the one pinned or in known_hosts, or a revoked one. */
export class HostKeyChangedError extends StrataError {
  constructor(message: string, remedy: string) {
    super(message, 3, remedy);
  }
}

/** A command ran and exited non-zero. */
export class CommandFailedError extends StrataError {
  constructor(message: string, readonly result: ExecResult) {
    super(message);
  }
}

const home = () => Deno.env.get("HOME") ?? "";
const expandHome = (p: string) => p.replace(/^~(?=\/|$)/, home());

/** known_hosts entries from the files that exist. */
async function loadKnownHosts(files: string[]): Promise<KnownHostKey[]> {
  const out: KnownHostKey[] = [];
  for (const file of files) {
    const path = expandHome(file);
    try {
      out.push(...readKnownHosts(await Deno.readTextFile(path), path));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  return out;
}

async function recordHostKey(file: string, host: string, port: number, key: Uint8Array, type: string) {
  const path = expandHome(file);
  const dir = path.slice(0, path.lastIndexOf("/"));
  if (dir) await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const line = `${knownHostsName(host, port)} ${type} ${btoa(String.fromCharCode(...key))}\n`;
  await Deno.writeTextFile(path, line, { append: true, mode: 0o600 });
}

function connectError(options: SshOptions, err: Error & { level?: string; code?: string }): Error {
  const where = `${options.user}@${options.host}:${options.port}`;
  if (err.level === "client-authentication") {
    return new PreflightError(
      `SSH to ${where} was refused: no accepted key (tried ${
        options.privateKey || options.privateKeyFile ? "the configured private key" : "the SSH agent's keys"
      })`,
      "load a key the host accepts into ssh-agent (`ssh-add`), or point STRATA_SSH_KEY at its private key file",
    );
  }
  const transient = ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"]
    .includes(err.code ?? "");
  const message = `SSH to ${where} failed: ${err.message}`;
  return transient ? new TransientError(message, { cause: err }) : new StrataError(message);
}

export class SshClient {
  private constructor(private readonly conn: ssh2.Client, private readonly options: SshOptions) {}

  /** Connects and authenticates; host key problems reject before any command can run. */
  static async connect(options: SshOptions): Promise<SshClient> {
    const known = options.pinnedFingerprint ? [] : await loadKnownHosts([
      ...options.knownHostsFiles,
      ...(options.trustedHostsFile ? [options.trustedHostsFile] : []),
    ]);
    const privateKey = options.privateKey ??
      (options.privateKeyFile ? await Deno.readTextFile(expandHome(options.privateKeyFile)) : undefined);
    const agent = privateKey ? undefined : options.agent ?? Deno.env.get("SSH_AUTH_SOCK");
    if (!privateKey && !agent) {
      throw new PreflightError(
        `no SSH key to log in to ${options.host} with: no private key is configured and SSH_AUTH_SOCK is not set`,
        "start ssh-agent and `ssh-add` your key, or point STRATA_SSH_KEY at a private key file",
      );
    }
    const algorithms = hostKeyAlgorithms(
      known.filter((k) => !k.marker && patternsMatch(k.patterns, options.host, options.port)).map((k) =>
        k.keyType
      ),
    );
    const conn = new ssh2.Client();
    let hostKeyError: Error | undefined;
    let pending: Promise<void> = Promise.resolve();
    const work = (signal: AbortSignal) =>
      new Promise<SshClient>((resolve, reject) => {
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        conn.on("ready", () => conn.setNoDelay(true)); // commands are small request/response exchanges
        conn.on("ready", () => pending.then(() => resolve(new SshClient(conn, options)), reject));
        conn.on("error", (err: Error & { level?: string; code?: string }) => {
          reject(hostKeyError ?? connectError(options, err));
        });
        conn.on("close", () =>
          reject(hostKeyError ?? new TransientError(`SSH to ${options.host} closed early`)));
        conn.connect({
          host: options.dialAddress ?? options.host,
          port: options.port,
          username: options.user,
          privateKey,
          passphrase: options.passphrase,
          agent,
          readyTimeout: 0, // the clock times the connection out, not ssh2's own timer
          ...(algorithms ? { algorithms: { serverHostKey: algorithms } } : {}),
          hostVerifier: (key: Uint8Array) => {
            const check = verifyHostKey({
              host: options.host,
              port: options.port,
              presented: key,
              pinnedFingerprint: options.pinnedFingerprint,
              pinSource: options.fingerprintField,
              known,
            });
            if (check.verdict === "pinned" || check.verdict === "known") {
              return true;
            }
            if (check.verdict === "changed") {
              hostKeyError = changedError(options, check);
              return false;
            }
            if (options.trustNewHostKey && options.trustedHostsFile) {
              pending = recordHostKey(
                options.trustedHostsFile,
                options.host,
                options.port,
                key,
                check.keyType,
              );
              return true;
            }
            hostKeyError = unknownError(options, check.keyType, check.fingerprint);
            return false;
          },
        });
      });
    const timeoutMs = options.timeoutMs ?? 30_000;
    try {
      return await withTimeout(options.clock, timeoutMs, `SSH to ${options.host}`, work, options.signal);
    } catch (err) {
      conn.end();
      if (err instanceof TimeoutError) {
        throw new TransientError(
          `SSH to ${options.host}:${options.port} did not complete within ${formatDuration(timeoutMs)}`,
        );
      }
      throw err;
    }
  }

  /** Runs a command (its arguments shell-quoted) and resolves with its exit code and output. */
  exec(args: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const command = shellCommand(args);
    const label = `\`${redact(args.slice(0, 4).join(" "), options.secrets)}\` on ${this.options.host}`;
    return withTimeout(
      this.options.clock,
      options.timeoutMs ?? 60_000,
      label,
      (signal) =>
        new Promise<ExecResult>((resolve, reject) => {
          this.conn.exec(command, { env: options.env }, (err: Error | undefined, stream: ExecStream) => {
            if (err) {
              return reject(new TransientError(`SSH exec on ${this.options.host} failed: ${err.message}`));
            }
            const out: Uint8Array[] = [], errs: Uint8Array[] = [];
            let code: number | null = null;
            signal.addEventListener("abort", () => stream.close(), { once: true });
            stream.on("data", (d: Uint8Array) => out.push(d));
            stream.stderr.on("data", (d: Uint8Array) => errs.push(d));
            stream.on("exit", (c: number | null) => code = c);
            stream.on("close", () => {
              if (code === null) {
                // no exit status: the channel or connection went away under the command
                return reject(
                  new TransientError(`${label}: the connection dropped before the command finished`),
                );
              }
              const text = (parts: Uint8Array[]) => new TextDecoder().decode(concat(parts));
              resolve({ code, stdout: text(out), stderr: text(errs) });
            });
          });
        }),
      options.signal,
    ).catch((err) => {
      if (err instanceof TimeoutError) {
        throw new TransientError(
          `${label} did not finish within ${formatDuration(options.timeoutMs ?? 60_000)}`,
        );
      }
      throw err;
    });
  }

  /** Runs a command; resolves with its stdout, or fails with its (redacted) stderr unless it exits 0. */
  async run(args: string[], options: ExecOptions = {}): Promise<string> {
    const r = await this.exec(args, options);
    if (r.code !== 0) {
      const shown = redact(args.slice(0, 5).join(" "), options.secrets);
      const stderr = redact(r.stderr.trim(), options.secrets) || "(no output on stderr)";
      throw new CommandFailedError(`\`${shown}\` on ${this.options.host} exited ${r.code}: ${stderr}`, r);
    }
    return r.stdout;
  }

  close(): void {
    this.conn.end();
  }
}

function changedError(options: SshOptions, check: ReturnType<typeof verifyHostKey>): HostKeyChangedError {
  const expected = (check.expected ?? []).map((e) => `${e.fingerprint} (${e.source})`).join(", ");
  const what = check.revoked
    ? `presented a REVOKED key ${check.keyType} ${check.fingerprint} (${check.revoked})`
    : `has CHANGED: it presented ${check.keyType} ${check.fingerprint}, expected ${expected}`;
  return new HostKeyChangedError(
    `the SSH host key of ${options.host}:${options.port} ${what}. ` +
      "Someone may be intercepting the connection; strata will not connect, whatever the options",
    "if the host was reinstalled, check its key on the console (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`), " +
      `then update ${
        options.fingerprintField ?? "the pinned fingerprint"
      } or remove the old known_hosts entry ` +
      `(\`ssh-keygen -R ${knownHostsName(options.host, options.port)}\`)`,
  );
}

function unknownError(options: SshOptions, keyType: string, fingerprint: string): PreflightError {
  const field = options.fingerprintField ?? "hostKeyFingerprint";
  return new PreflightError(
    `the SSH host key of ${options.host}:${options.port} is not known: ${keyType} ${fingerprint}`,
    "compare it with the host's own (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on its console), then pin it " +
      `in the config as ${field}: "${fingerprint}", or accept it once with --trust-new-host-key` +
      (options.trustedHostsFile ? ` (recorded in ${options.trustedHostsFile})` : ""),
  );
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The part of ssh2's exec channel used here (ssh2 ships no types). */
interface ExecStream {
  on(event: "data", cb: (d: Uint8Array) => void): void;
  on(event: "exit", cb: (code: number | null) => void): void;
  on(event: "close", cb: () => void): void;
  stderr: { on(event: "data", cb: (d: Uint8Array) => void): void };
  close(): void;
}
