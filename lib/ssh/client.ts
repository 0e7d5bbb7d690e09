/**
 * An SSH client (wrapping `ssh2`) that always verifies the host key and runs commands with a
 * timeout through the clock.
 *
 * - Known or pinned key: connect. Unknown key: refuse with exit 3, printing the fingerprint and how
 *   to pin it, unless `trustNewHostKey` (then it is recorded in strata's known_hosts file).
 * - Changed key: always refused; no option overrides it.
 *
 * @example
 * ```ts
 * const ssh = await SshClient.connect({ host: "10.0.0.10", port: 22, user: "root",
 *   knownHostsFiles: ["~/.ssh/known_hosts"], clock: systemClock });
 * const { stdout } = await ssh.exec(["pveum", "user", "list", "--output-format", "json"]);
 * ssh.close();
 * ```
 */
import ssh2 from "ssh2";
import { type Clock, withTimeout } from "../clock/clock.ts";
import { PreflightError, StrataError, TransientError } from "../errors.ts";
import { knownHostsLine } from "../keys/known_hosts.ts";
import { verifyHostKey } from "./host_key.ts";
import { shellCommand } from "./quote.ts";
import { redact } from "./redact.ts";

export interface SshOptions {
  /** The configured address (shown in messages and matched in known_hosts). */
  host: string;
  port: number;
  user: string;
  /** Where to dial: the address itself, or its loopback twin in the lab. */
  dialAddress?: string;
  /** `SHA256:…` from the config; when set, known_hosts is not consulted. */
  pinnedFingerprint?: string;
  /** known_hosts files to read (missing files are skipped). */
  knownHostsFiles: string[];
  /** Where accepted new host keys are recorded (with trustNewHostKey). */
  trustedHostsFile?: string;
  trustNewHostKey?: boolean;
  /** An OpenSSH private key; else the SSH agent at `SSH_AUTH_SOCK`. */
  privateKey?: string;
  agent?: string;
  clock: Clock;
  /** Which config field pins this host, for the remedy text. */
  fingerprintField?: string;
  timeoutMs?: number;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class HostKeyChangedError extends StrataError {
  constructor(host: string, presented: string, expected: string) {
    super(
      `the SSH host key of ${host} has CHANGED: it presented ${presented}, expected ${expected}. ` +
        "This may be a machine-in-the-middle; strata will not connect",
      3,
      "if the host was reinstalled, verify the new key on its console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) " +
        "and update the pinned fingerprint or known_hosts entry by hand",
    );
  }
}

function readFiles(paths: string[]): string {
  return paths.map((p) => {
    try {
      return Deno.readTextFileSync(p.replace(/^~/, Deno.env.get("HOME") ?? "~"));
    } catch {
      return "";
    }
  }).join("\n");
}

export class SshClient {
  private constructor(private readonly conn: ssh2.Client, private readonly options: SshOptions) {}

  /** Connects and authenticates; host key problems reject before any command can run. */
  static connect(options: SshOptions): Promise<SshClient> {
    const conn = new ssh2.Client();
    let hostKeyError: Error | undefined;
    const work = (signal: AbortSignal) =>
      new Promise<SshClient>((resolve, reject) => {
        signal.addEventListener("abort", () => {
          conn.end();
          reject(signal.reason);
        }, { once: true });
        conn.on("ready", () => resolve(new SshClient(conn, options)));
        conn.on("error", (err: Error & { level?: string; code?: string }) => {
          if (hostKeyError) return reject(hostKeyError);
          if (err.level === "client-authentication") {
            return reject(
              new PreflightError(
                `SSH to ${options.user}@${options.host}:${options.port} was refused: authentication failed`,
                "load your key into ssh-agent (ssh-add) or point SSH at a key the host accepts",
              ),
            );
          }
          const transient = ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH"].includes(
            err.code ?? "",
          );
          const message = `SSH to ${options.host}:${options.port} failed: ${err.message}`;
          reject(transient ? new TransientError(message, { cause: err }) : new StrataError(message));
        });
        conn.connect({
          host: options.dialAddress ?? options.host,
          port: options.port,
          username: options.user,
          privateKey: options.privateKey,
          agent: options.privateKey ? undefined : options.agent ?? Deno.env.get("SSH_AUTH_SOCK"),
          readyTimeout: 60_000,
          hostVerifier: (key: Uint8Array) => {
            const result = verifyHostKey({
              host: options.host,
              port: options.port,
              presented: key,
              pinnedFingerprint: options.pinnedFingerprint,
              knownHosts: readFiles([
                ...options.knownHostsFiles,
                ...(options.trustedHostsFile ? [options.trustedHostsFile] : []),
              ]),
            });
            if (result.verdict === "pinned" || result.verdict === "known") return true;
            if (result.verdict === "changed") {
              hostKeyError = new HostKeyChangedError(options.host, result.fingerprint, result.expected!);
              return false;
            }
            if (options.trustNewHostKey && options.trustedHostsFile) {
              const line = knownHostsLine(
                options.host,
                `${keyType(key)} ${btoa(String.fromCharCode(...key))}`,
                options.port,
              );
              Deno.mkdirSync(options.trustedHostsFile.slice(0, options.trustedHostsFile.lastIndexOf("/")), {
                recursive: true,
                mode: 0o700,
              });
              Deno.writeTextFileSync(options.trustedHostsFile, line + "\n", { append: true, mode: 0o600 });
              return true;
            }
            hostKeyError = new PreflightError(
              `the SSH host key of ${options.host}:${options.port} is unknown (${result.fingerprint})`,
              `check it on the host's console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then pin it: ` +
                `${
                  options.fingerprintField ?? "hostKeyFingerprint"
                }: "${result.fingerprint}", or run once with --trust-new-host-key`,
            );
            return false;
          },
        });
      });
    return withTimeout(options.clock, options.timeoutMs ?? 60_000, `SSH to ${options.host}`, work).catch(
      (err) => {
        conn.end();
        throw err;
      },
    );
  }

  /** Runs a command (arguments are shell-quoted); resolves with its exit code and output. */
  exec(
    args: string[],
    options: { timeoutMs?: number; signal?: AbortSignal; secrets?: string[] } = {},
  ): Promise<ExecResult> {
    const command = shellCommand(args);
    return withTimeout(
      this.options.clock,
      options.timeoutMs ?? 60_000,
      `\`${args.slice(0, 3).join(" ")}\``,
      (signal) =>
        new Promise<ExecResult>((resolve, reject) => {
          this.conn.exec(command, (err: Error | undefined, stream: ExecStream) => {
            if (err) return reject(new TransientError(`SSH exec failed: ${err.message}`, { cause: err }));
            let stdout = "", stderr = "";
            signal.addEventListener("abort", () => stream.close(), { once: true });
            stream.on("data", (d: Uint8Array) => stdout += new TextDecoder().decode(d));
            stream.stderr.on("data", (d: Uint8Array) => stderr += new TextDecoder().decode(d));
            stream.on("close", (code: number | null) => resolve({ code: code ?? 255, stdout, stderr }));
          });
        }),
      options.signal,
    );
  }

  /** Runs a command and fails with its (redacted) stderr unless it exits 0. */
  async run(
    args: string[],
    options: { timeoutMs?: number; signal?: AbortSignal; secrets?: string[] } = {},
  ): Promise<string> {
    const r = await this.exec(args, options);
    if (r.code !== 0) {
      throw new StrataError(
        `\`${args.slice(0, 4).join(" ")}\` on ${this.options.host} exited ${r.code}: ${
          redact(r.stderr.trim(), options.secrets)
        }`,
      );
    }
    return r.stdout;
  }

  close(): void {
    this.conn.end();
  }
}

/** The key type name from an SSH public key blob ("ssh-ed25519", "ssh-rsa", …). */
function keyType(blob: Uint8Array): string {
  const len = new DataView(blob.buffer, blob.byteOffset).getUint32(0);
  return new TextDecoder().decode(blob.slice(4, 4 + len));
}

/** The part of ssh2's exec channel we use (ssh2 ships no types). */
interface ExecStream {
  on(event: "data", cb: (d: Uint8Array) => void): void;
  on(event: "close", cb: (code: number | null) => void): void;
  stderr: { on(event: "data", cb: (d: Uint8Array) => void): void };
  close(): void;
}
