/**
 * Layer 00, Proxmox access, per host, over verified SSH: a dedicated user, least-privilege roles,
 * their ACLs, a privilege-separated API token for strata and a separate one for the Proxmox CSI
 * driver, and the host's root CA (the TLS anchor later layers verify the API against).
 *
 * Token secrets are shown by Proxmox only at creation, so they go straight into encrypted state.
 * A token that exists without its secret in state stops the step: replacing it silently would
 * break whatever uses it. `--rotate-proxmox-tokens` replaces it on purpose.
 */
import { certificateFingerprint } from "../../lib/pki/mod.ts";
import { StrataError } from "../../lib/errors.ts";
import type { Step } from "../../lib/engine/types.ts";
import type { SshClient } from "../../lib/ssh/client.ts";

export const STRATA_USER = "strata@pve";

/** Every privilege the infrastructure layer uses; docs/proxmox-privileges.md justifies each. */
export const PROVISIONER_PRIVILEGES = [
  "Datastore.AllocateSpace",
  "Datastore.AllocateTemplate",
  "Datastore.Audit",
  "SDN.Use",
  "Sys.AccessNetwork",
  "Sys.Audit",
  "VM.Allocate",
  "VM.Audit",
  "VM.Config.CDROM",
  "VM.Config.CPU",
  "VM.Config.Cloudinit",
  "VM.Config.Disk",
  "VM.Config.HWType",
  "VM.Config.Memory",
  "VM.Config.Network",
  "VM.Config.Options",
  "VM.GuestAgent.Audit",
  "VM.PowerMgmt",
] as const;

/** What the Proxmox CSI driver needs to create, attach and resize volumes, and nothing else. */
export const CSI_PRIVILEGES = [
  "Datastore.Allocate",
  "Datastore.AllocateSpace",
  "Datastore.Audit",
  "VM.Audit",
  "VM.Config.Disk",
] as const;

export const ROLES = { StrataProvisioner: PROVISIONER_PRIVILEGES, StrataCSI: CSI_PRIVILEGES } as const;
export const TOKENS = { strata: "StrataProvisioner", csi: "StrataCSI" } as const;

export interface ProxmoxAccessInput {
  /** Proxmox node name. */
  host: string;
  connect: () => Promise<SshClient>;
  rotateTokens: boolean;
}

export interface ProxmoxAccessOutput {
  user: string;
  tokens: Record<keyof typeof TOKENS, string>;
  roles: string[];
}

interface TokenSecrets {
  tokens: Partial<Record<keyof typeof TOKENS, string>>;
}

async function json<T>(ssh: SshClient, args: string[], secrets?: string[]): Promise<T> {
  return JSON.parse(await ssh.run(["pveum", ...args, "--output-format", "json"], { secrets })) as T;
}

/** The user, roles, ACLs and tokens on one host. */
export function proxmoxAccessStep(input: ProxmoxAccessInput): Step {
  const id = `auth.proxmox-access.${input.host}`;
  return {
    id,
    title: `Proxmox user, roles and API tokens on ${input.host}`,
    resources: [`proxmox-host:${input.host}`],
    timeoutMs: 5 * 60_000,
    async apply(ctx) {
      const ssh = await input.connect();
      try {
        let changed = false;
        const previous = ctx.previous?.hasSecret ? await ctx.secret<TokenSecrets>(id) : undefined;
        const secrets: TokenSecrets = { tokens: { ...previous?.tokens } };

        ctx.progress("user");
        const users = await json<{ userid: string }[]>(ssh, ["user", "list"]);
        if (!users.some((u) => u.userid === STRATA_USER)) {
          await ssh.run([
            "pveum",
            "user",
            "add",
            STRATA_USER,
            "--comment",
            "strata: cluster provisioning (managed)",
          ]);
          changed = true;
        }

        ctx.progress("roles");
        const roles = await json<{ roleid: string; privs: string }[]>(ssh, ["role", "list"]);
        for (const [roleid, privs] of Object.entries(ROLES)) {
          const want = [...privs].sort().join(",");
          const have = roles.find((r) => r.roleid === roleid);
          if (!have) {
            await ssh.run(["pveum", "role", "add", roleid, "--privs", want]);
            changed = true;
          } else if (have.privs.split(/[,\s]+/).filter(Boolean).sort().join(",") !== want) {
            await ssh.run(["pveum", "role", "modify", roleid, "--privs", want]);
            ctx.notice(
              `role ${roleid} on ${input.host} had other privileges; reset to the documented list`,
              "warn",
            );
            changed = true;
          }
        }

        ctx.progress("API tokens");
        const existing = await json<{ tokenid: string }[]>(ssh, ["user", "token", "list", STRATA_USER]);
        for (const tokenid of Object.keys(TOKENS) as (keyof typeof TOKENS)[]) {
          const present = existing.some((t) => t.tokenid === tokenid);
          if (present && secrets.tokens[tokenid]) continue;
          if (present) {
            if (!input.rotateTokens) {
              throw new StrataError(
                `API token ${STRATA_USER}!${tokenid} exists on ${input.host}, but its secret is not in strata's state ` +
                  "(Proxmox shows a token's secret only when it is created)",
                1,
                "re-run with --rotate-proxmox-tokens to replace it (anything else using that token stops working), " +
                  "or restore layer 00 with `deno task auth import`",
              );
            }
            await ssh.run(["pveum", "user", "token", "remove", STRATA_USER, tokenid]);
          }
          const created = await json<{ value: string }>(ssh, [
            "user",
            "token",
            "add",
            STRATA_USER,
            tokenid,
            "--privsep",
            "1",
            "--comment",
            `strata ${tokenid} token (managed)`,
          ]);
          secrets.tokens[tokenid] = created.value;
          changed = true;
        }

        ctx.progress("ACLs");
        const acl = await json<{ path: string; ugid: string; roleid: string; type: string }[]>(ssh, [
          "acl",
          "list",
        ]);
        const grants: [string, string, string][] = [
          ["users", STRATA_USER, "StrataProvisioner"],
          ["users", STRATA_USER, "StrataCSI"],
          ...Object.entries(TOKENS).map(([t, role]) =>
            ["tokens", `${STRATA_USER}!${t}`, role] as [string, string, string]
          ),
        ];
        for (const [kind, ugid, roleid] of grants) {
          if (acl.some((a) => a.path === "/" && a.ugid === ugid && a.roleid === roleid)) continue;
          await ssh.run([
            "pveum",
            "acl",
            "modify",
            "/",
            `--${kind}`,
            ugid,
            "--roles",
            roleid,
            "--propagate",
            "1",
          ]);
          changed = true;
        }

        const output: ProxmoxAccessOutput = {
          user: STRATA_USER,
          tokens: { strata: `${STRATA_USER}!strata`, csi: `${STRATA_USER}!csi` },
          roles: Object.keys(ROLES),
        };
        return { output: { ...output }, secret: { ...secrets }, changed };
      } finally {
        ssh.close();
      }
    },
    async destroy() {
      const ssh = await input.connect();
      try {
        // only what this step created: our ACL entries, tokens, roles and user
        const acl = await json<{ path: string; ugid: string; roleid: string; type: string }[]>(ssh, [
          "acl",
          "list",
        ]);
        for (
          const a of acl.filter((a) =>
            a.roleid in ROLES && (a.ugid === STRATA_USER || a.ugid.startsWith(`${STRATA_USER}!`))
          )
        ) {
          await ssh.run([
            "pveum",
            "acl",
            "delete",
            a.path,
            `--${a.type === "token" ? "tokens" : "users"}`,
            a.ugid,
            "--roles",
            a.roleid,
          ]);
        }
        const users = await json<{ userid: string }[]>(ssh, ["user", "list"]);
        if (users.some((u) => u.userid === STRATA_USER)) {
          const tokens = await json<{ tokenid: string }[]>(ssh, ["user", "token", "list", STRATA_USER]);
          for (const t of tokens.filter((t) => t.tokenid in TOKENS)) {
            await ssh.run(["pveum", "user", "token", "remove", STRATA_USER, t.tokenid]);
          }
          await ssh.run(["pveum", "user", "delete", STRATA_USER]);
        }
        const roles = await json<{ roleid: string }[]>(ssh, ["role", "list"]);
        for (const r of roles.filter((r) => r.roleid in ROLES)) {
          await ssh.run(["pveum", "role", "delete", r.roleid]);
        }
      } finally {
        ssh.close();
      }
    },
  };
}

/** The host's PVE root CA, read over the verified SSH channel: the TLS anchor for the API. */
export function proxmoxCaStep(input: { host: string; connect: () => Promise<SshClient> }): Step {
  return {
    id: `auth.proxmox-ca.${input.host}`,
    title: `Proxmox root CA of ${input.host}`,
    resources: [`proxmox-host:${input.host}`],
    async apply(ctx) {
      const ssh = await input.connect();
      try {
        const pem = (await ssh.run(["cat", "/etc/pve/pve-root-ca.pem"])).trim() + "\n";
        if (!pem.startsWith("-----BEGIN CERTIFICATE-----")) {
          throw new StrataError(`/etc/pve/pve-root-ca.pem on ${input.host} is not a PEM certificate`);
        }
        const fingerprint = certificateFingerprint(pem, "sha256");
        const changed = ctx.previous?.output.fingerprint !== fingerprint;
        if (ctx.previous && changed) {
          ctx.notice(`the root CA of ${input.host} changed (now ${fingerprint})`, "warn");
        }
        return { output: { caPem: pem, fingerprint }, changed };
      } finally {
        ssh.close();
      }
    },
  };
}
