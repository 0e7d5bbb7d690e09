/**
 * Layer 00, Proxmox access, per host, over verified SSH (`pveum`): the user `strata@pve`, the
 * least-privilege roles `StrataProvisioner` and `StrataCSI`, their ACLs, and two
 * privilege-separated API tokens: `strata` for the infrastructure layer and `csi` for the Proxmox
 * CSI driver. Also the host's root CA, the anchor later layers verify the API's certificate with.
 *
 * A token's secret is shown by Proxmox only when the token is created, so it goes straight into
 * the step's (encrypted) secret. A token that exists without its secret in state stops the step:
 * replacing it silently would cut off whatever uses it. `--rotate-proxmox-tokens` replaces the
 * tokens on purpose. Destroy removes what this step created and nothing else.
 *
 * @example
 * ```ts
 * const connect = () => SshClient.connect({ host: "10.0.0.10", port: 22, user: "root", … });
 * const steps = [proxmoxAccessStep({ host: "pve1", connect, rotateTokens: false }),
 *                proxmoxCaStep({ host: "pve1", connect })];
 * ```
 */
import { X509Certificate } from "node:crypto";
import { certificateFingerprint } from "../../lib/pki/mod.ts";
import { StrataError, TransientError } from "../../lib/errors.ts";
import type { PlanChange, Step, StepContext } from "../../lib/engine/types.ts";
import { CommandFailedError, type SshClient } from "../../lib/ssh/client.ts";
import {
  ACL_PATH,
  desiredAcl,
  ROLES,
  STRATA_USER,
  STRATA_USER_COMMENT,
  tokenId,
  type TokenName,
  TOKENS,
} from "./proxmox_privileges.ts";

export {
  CSI_PRIVILEGES,
  PROVISIONER_PRIVILEGES,
  ROLES,
  STRATA_USER,
  tokenId,
  TOKENS,
} from "./proxmox_privileges.ts";

export interface ProxmoxAccessInput {
  /** Proxmox node name. */
  host: string;
  /** Opens a verified SSH connection to the host (as root). */
  connect: () => Promise<SshClient>;
  /** Replace the API tokens (new secrets), e.g. when their secrets were lost. */
  rotateTokens: boolean;
  /**
   * The hosts of the config whose access steps run before this one. Hosts of one PVE cluster share
   * their user database (/etc/pve): the user and tokens an earlier host's step made are already
   * here, and only that step saw the secrets. A peer's secret that authenticates on this host's API
   * proves the shared database, and is reused instead of stopping or rotating.
   */
  peers?: string[];
  /** Whether `strata@pve!<token>` with `secret` authenticates on this host's API. */
  tokenWorks?: (ctx: StepContext, token: TokenName, secret: string) => Promise<boolean>;
}

/** Public output of the access step. */
export interface ProxmoxAccessOutput {
  user: string;
  tokens: Record<TokenName, string>;
  roles: string[];
  /** What this step created (and so what destroy may remove). */
  created: { user: boolean; roles: string[] };
  /** The earlier host whose user database this host shares (one PVE cluster); its step owns it all. */
  sharedWith?: string;
}

/** Encrypted output: the token secrets. */
export interface ProxmoxTokenSecrets {
  tokens: Partial<Record<TokenName, string>>;
}

interface UserRow {
  userid: string;
  enable?: number;
  expire?: number;
  comment?: string;
}
interface RoleRow {
  roleid: string;
  privs?: string;
  special?: number;
}
interface TokenRow {
  tokenid: string;
  privsep?: number;
}
interface AclRow {
  path: string;
  type: "user" | "group" | "token";
  ugid: string;
  roleid: string;
  propagate?: number;
}

/** pveum over one SSH connection: JSON reads, checked writes, lock timeouts as transient. */
class Pveum {
  constructor(
    private readonly ssh: SshClient,
    private readonly host: string,
    private readonly secrets: string[] = [],
  ) {}

  async run(args: string[]): Promise<string> {
    try {
      return await this.ssh.run(["pveum", ...args], { secrets: this.secrets });
    } catch (err) {
      // pmxcfs lock contention (another node or process changing user.cfg) passes
      if (
        err instanceof CommandFailedError && /cfs-lock .*(timeout|got lock request)/.test(err.result.stderr)
      ) {
        throw new TransientError(err.message, { cause: err });
      }
      throw err;
    }
  }

  async json<T>(args: string[]): Promise<T> {
    const text = await this.run([...args, "--output-format", "json"]);
    try {
      return JSON.parse(text) as T;
    } catch {
      // the text may hold secrets (token add): do not quote it
      throw new StrataError(`\`pveum ${args.slice(0, 3).join(" ")}\` on ${this.host} did not print JSON`);
    }
  }

  users = () => this.json<UserRow[]>(["user", "list"]);
  roles = () => this.json<RoleRow[]>(["role", "list"]);
  tokens = () => this.json<TokenRow[]>(["user", "token", "list", STRATA_USER]);
  acl = () => this.json<AclRow[]>(["acl", "list"]);
}

const privs = (row: RoleRow | undefined) =>
  (row?.privs ?? "").split(/[,;\s]+/).filter(Boolean).sort().join(",");
const want = (role: string) => [...ROLES[role]].sort().join(",");

/** Throws when the strata user cannot log in (disabled or expired): tokens of such a user fail. */
function checkUsable(user: UserRow, host: string, nowMs: number): void {
  const expired = !!user.expire && user.expire * 1000 < nowMs;
  if (user.enable === 0 || expired) {
    throw new StrataError(
      `the Proxmox user ${STRATA_USER} on ${host} is ${
        expired ? "expired" : "disabled"
      }, so its API tokens are refused`,
      1,
      "strata does not re-enable a user someone disabled; if that was not deliberate, run " +
        `\`pveum user modify ${STRATA_USER} --enable 1${expired ? " --expire 0" : ""}\` on ${host}`,
    );
  }
}

/** The user, roles, ACLs and tokens on one host. */
export function proxmoxAccessStep(input: ProxmoxAccessInput): Step {
  const id = `auth.proxmox-access.${input.host}`;
  return {
    id,
    title: `Proxmox user, roles and API tokens on ${input.host}`,
    resources: [`proxmox-host:${input.host}`],
    timeoutMs: 5 * 60_000,
    retry: { attempts: 4, baseDelayMs: 2_000, maxDelayMs: 15_000 },
    async apply(ctx) {
      const previous = ctx.previous?.output as Partial<ProxmoxAccessOutput> | undefined;
      const stored = ctx.previous?.hasSecret ? await ctx.secret<ProxmoxTokenSecrets>(id) : undefined;
      const secrets: ProxmoxTokenSecrets = { tokens: { ...stored?.tokens } };
      const created = { user: !!previous?.created?.user, roles: [...(previous?.created?.roles ?? [])] };
      const ssh = await input.connect();
      const pveum = new Pveum(ssh, input.host, Object.values(secrets.tokens).filter((s): s is string => !!s));
      let changed = false;
      try {
        ctx.progress("user");
        const user = (await pveum.users()).find((u) => u.userid === STRATA_USER);
        if (!user) {
          await pveum.run(["user", "add", STRATA_USER, "--comment", STRATA_USER_COMMENT]);
          created.user = changed = true;
        } else checkUsable(user, input.host, ctx.clock.now());

        ctx.progress("roles");
        const roles = await pveum.roles();
        for (const role of Object.keys(ROLES)) {
          const have = roles.find((r) => r.roleid === role);
          if (!have) {
            await pveum.run(["role", "add", role, "--privs", want(role)]);
            if (!created.roles.includes(role)) created.roles.push(role);
            changed = true;
          } else if (privs(have) !== want(role)) {
            await pveum.run(["role", "modify", role, "--privs", want(role)]);
            ctx.notice(
              `role ${role} on ${input.host} had other privileges (${
                privs(have) || "none"
              }); reset to strata's list`,
              "warn",
            );
            changed = true;
          }
        }

        ctx.progress("API tokens");
        const tokens = await pveum.tokens();
        const peerSecrets = await Promise.all(
          (input.peers ?? []).map(async (peer) => ({
            peer,
            tokens: (await ctx.secret<ProxmoxTokenSecrets>(`auth.proxmox-access.${peer}`))?.tokens ?? {},
          })),
        );
        for (const token of Object.keys(TOKENS) as TokenName[]) {
          const row = tokens.find((t) => t.tokenid === token);
          if (row && peerSecrets.length && input.tokenWorks) {
            // a shared user database: the secret that works here is the one a peer holds (it may
            // have rotated it in this run) or our own, if it still works
            const candidates = [
              ...peerSecrets.map((p) => ({ from: p.peer, secret: p.tokens[token] })),
              ...(input.rotateTokens ? [] : [{ from: "", secret: secrets.tokens[token] }]),
            ];
            let found: { from: string; secret: string } | undefined;
            for (const c of candidates) {
              if (c.secret && await input.tokenWorks(ctx, token, c.secret)) {
                found = { from: c.from, secret: c.secret };
                break;
              }
            }
            if (found) {
              if (found.from && secrets.tokens[token] !== found.secret) {
                ctx.notice(
                  `${input.host} shares its user database with ${found.from} (one PVE cluster): ` +
                    `token ${tokenId(token)} is the one made there`,
                );
                changed = true;
              }
              secrets.tokens[token] = found.secret;
              if (row.privsep === 0) {
                await pveum.run(["user", "token", "modify", STRATA_USER, token, "--privsep", "1"]);
                changed = true;
              }
              continue;
            }
          }
          if (row && secrets.tokens[token] && !input.rotateTokens) {
            if (row.privsep === 0) {
              await pveum.run(["user", "token", "modify", STRATA_USER, token, "--privsep", "1"]);
              ctx.notice(
                `token ${tokenId(token)} on ${input.host} had privilege separation off; turned it back on`,
                "warn",
              );
              changed = true;
            }
            continue;
          }
          if (row && !input.rotateTokens) {
            throw new StrataError(
              `the API token ${
                tokenId(token)
              } exists on ${input.host}, but its secret is not in strata's state ` +
                "(Proxmox shows a token's secret only once, when the token is created)",
              1,
              "re-run with --rotate-proxmox-tokens to replace the token with a new one (whatever uses the old secret " +
                "stops working), or restore the layer 00 state that has it (`deno task auth import FILE`)",
            );
          }
          if (row) await pveum.run(["user", "token", "remove", STRATA_USER, token]);
          const made = await pveum.json<{ value?: string }>([
            "user",
            "token",
            "add",
            STRATA_USER,
            token,
            "--privsep",
            "1",
            "--comment",
            `strata ${token} token (managed by strata)`,
          ]);
          if (!made.value) {
            throw new StrataError(`\`pveum user token add\` on ${input.host} returned no secret`);
          }
          secrets.tokens[token] = made.value;
          changed = true;
          if (row) {
            ctx.notice(
              `token ${tokenId(token)} on ${input.host} was replaced; its old secret no longer works`,
              "warn",
            );
          }
        }

        ctx.progress("ACLs");
        changed = await reconcileAcl(pveum, ctx, input.host) || changed;

        const sharedWith = peerSecrets.find((p) =>
          (Object.keys(TOKENS) as TokenName[]).every((t) => p.tokens[t] && p.tokens[t] === secrets.tokens[t])
        )?.peer;
        const output: ProxmoxAccessOutput = {
          user: STRATA_USER,
          tokens: { strata: tokenId("strata"), csi: tokenId("csi") },
          roles: Object.keys(ROLES),
          created,
          ...(sharedWith ? { sharedWith } : {}),
        };
        return { output: { ...output }, secret: { ...secrets }, changed };
      } finally {
        ssh.close();
      }
    },

    async plan(ctx) {
      const ssh = await input.connect();
      try {
        const pveum = new Pveum(ssh, input.host);
        const changes: PlanChange[] = [];
        const users = await pveum.users();
        const hasUser = users.some((u) => u.userid === STRATA_USER);
        changes.push({
          action: hasUser ? "noop" : "create",
          resource: `user ${STRATA_USER} on ${input.host}`,
        });
        const roles = await pveum.roles();
        for (const role of Object.keys(ROLES)) {
          const have = roles.find((r) => r.roleid === role);
          changes.push({
            action: !have ? "create" : privs(have) !== want(role) ? "update" : "noop",
            resource: `role ${role} on ${input.host}`,
          });
        }
        const stored = ctx.previous?.hasSecret ? await ctx.secret<ProxmoxTokenSecrets>(id) : undefined;
        const tokens = hasUser ? await pveum.tokens() : [];
        for (const token of Object.keys(TOKENS) as TokenName[]) {
          const exists = tokens.some((t) => t.tokenid === token);
          const resource = `API token ${tokenId(token)} on ${input.host}`;
          if (!exists) changes.push({ action: "create", resource });
          else if (input.rotateTokens) changes.push({ action: "update", resource, detail: "rotated" });
          else if (!stored?.tokens[token]) {
            changes.push({
              action: "update",
              resource,
              detail: "blocked: secret not in state (--rotate-proxmox-tokens)",
            });
          } else changes.push({ action: "noop", resource });
        }
        const acl = await pveum.acl();
        for (const e of desiredAcl()) {
          const ok = acl.some((a) =>
            a.path === ACL_PATH && a.type === e.type && a.ugid === e.ugid && a.roleid === e.roleid &&
            a.propagate !== 0
          );
          changes.push({
            action: ok ? "noop" : "create",
            resource: `ACL ${ACL_PATH} ${e.ugid} ${e.roleid} on ${input.host}`,
          });
        }
        return changes;
      } finally {
        ssh.close();
      }
    },

    async destroy(ctx) {
      const previous = ctx.previous?.output as Partial<ProxmoxAccessOutput> | undefined;
      if (previous?.sharedWith) {
        ctx.notice(
          `${input.host} shares its user database with ${previous.sharedWith}: strata's user, roles and ` +
            `tokens go with ${previous.sharedWith}'s step`,
        );
        return;
      }
      const ssh = await input.connect();
      const pveum = new Pveum(ssh, input.host);
      try {
        const users = await pveum.users();
        const user = users.find((u) => u.userid === STRATA_USER);
        // ACL entries of strata's tokens, and strata's roles on its user
        const ours = (a: AclRow) =>
          (a.type === "token" && a.ugid.startsWith(`${STRATA_USER}!`) &&
            a.ugid.slice(STRATA_USER.length + 1) in TOKENS) ||
          (a.type === "user" && a.ugid === STRATA_USER && a.roleid in ROLES);
        for (const a of (await pveum.acl()).filter(ours)) {
          await pveum.run([
            "acl",
            "delete",
            a.path,
            a.type === "token" ? "--tokens" : "--users",
            a.ugid,
            "--roles",
            a.roleid,
          ]);
        }
        if (user) {
          for (const t of (await pveum.tokens()).filter((t) => t.tokenid in TOKENS)) {
            await pveum.run(["user", "token", "remove", STRATA_USER, t.tokenid]);
          }
          const mine = previous?.created ? previous.created.user : user.comment === STRATA_USER_COMMENT;
          if (mine) await pveum.run(["user", "delete", STRATA_USER]);
          else {ctx.notice(
              `${STRATA_USER} on ${input.host} existed before strata; kept it (its strata tokens are gone)`,
            );}
        }
        const acl = await pveum.acl();
        const roles = await pveum.roles();
        for (const role of Object.keys(ROLES)) {
          const row = roles.find((r) => r.roleid === role);
          if (!row) continue;
          const mine = previous?.created ? previous.created.roles.includes(role) : privs(row) === want(role);
          const used = acl.filter((a) => a.roleid === role).map((a) => a.ugid);
          if (!mine) ctx.notice(`role ${role} on ${input.host} existed before strata; kept it`);
          else if (used.length) {
            ctx.notice(
              `role ${role} on ${input.host} is also granted to ${used.join(", ")}; kept it`,
              "warn",
            );
          } else await pveum.run(["role", "delete", role]);
        }
      } finally {
        ssh.close();
      }
    },
  };
}

/** Grants exactly strata's ACL entries (propagated); drops other grants to strata's tokens. */
async function reconcileAcl(pveum: Pveum, ctx: StepContext, host: string): Promise<boolean> {
  const acl = await pveum.acl();
  let changed = false;
  for (const e of desiredAcl()) {
    const ok = acl.some((a) =>
      a.path === ACL_PATH && a.type === e.type && a.ugid === e.ugid && a.roleid === e.roleid &&
      a.propagate !== 0
    );
    if (ok) continue;
    await pveum.run([
      "acl",
      "modify",
      ACL_PATH,
      `--${e.type}s`,
      e.ugid,
      "--roles",
      e.roleid,
      "--propagate",
      "1",
    ]);
    changed = true;
  }
  const wanted = desiredAcl();
  const extra = acl.filter((a) =>
    a.type === "token" && (Object.keys(TOKENS) as TokenName[]).some((t) => a.ugid === tokenId(t)) &&
    !wanted.some((w) => a.path === ACL_PATH && w.ugid === a.ugid && w.roleid === a.roleid)
  );
  for (const a of extra) {
    await pveum.run(["acl", "delete", a.path, "--tokens", a.ugid, "--roles", a.roleid]);
    ctx.notice(
      `removed ${a.roleid} on ${a.path} from token ${a.ugid} on ${host}: strata's tokens hold only their own role`,
      "warn",
    );
    changed = true;
  }
  return changed;
}

/** The host's PVE root CA, read over the verified SSH channel: the TLS anchor for the API. */
export function proxmoxCaStep(input: { host: string; connect: () => Promise<SshClient> }): Step {
  return {
    id: `auth.proxmox-ca.${input.host}`,
    title: `Proxmox root CA of ${input.host}`,
    resources: [`proxmox-host:${input.host}`],
    timeoutMs: 2 * 60_000,
    retry: { attempts: 4, baseDelayMs: 2_000, maxDelayMs: 15_000 },
    async apply(ctx) {
      const ssh = await input.connect();
      try {
        const text = await ssh.run(["cat", "/etc/pve/pve-root-ca.pem"]);
        const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
        let ca: X509Certificate | undefined;
        try {
          ca = pem ? new X509Certificate(pem) : undefined;
        } catch {
          ca = undefined;
        }
        if (!pem || !ca?.ca) {
          throw new StrataError(
            `/etc/pve/pve-root-ca.pem on ${input.host} is not a CA certificate`,
            1,
            "on a Proxmox VE host this file is the cluster's root CA; `pvecm updatecerts --force` recreates a missing one",
          );
        }
        const caPem = pem + "\n";
        const fingerprint = certificateFingerprint(caPem, "sha256");
        const changed = ctx.previous?.output.fingerprint !== fingerprint;
        if (ctx.previous && changed) {
          ctx.notice(
            `the root CA of ${input.host} changed (now ${fingerprint}); the API is verified against the new one`,
            "warn",
          );
        }
        return {
          output: { caPem, fingerprint, subject: ca.subject.replaceAll("\n", ", "), notAfter: ca.validTo },
          changed,
        };
      } finally {
        ssh.close();
      }
    },
  };
}
