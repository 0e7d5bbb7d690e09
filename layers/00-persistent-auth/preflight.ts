/**
 * Preflight checks of layer 00: each Proxmox host reachable over SSH with a verified host key
 * and `pveum` present; and, when layer 00 is skipped, its state exists and decrypts.
 */
import { registerCheck } from "../../lib/preflight/registry.ts";
import { connectProxmoxSsh } from "../../lib/run/ssh.ts";
import { identityPath, loadIdentity } from "../../lib/state/identity.ts";

registerCheck({
  id: "proxmox-ssh",
  description: "each Proxmox host answers SSH with a verified host key and has pveum",
  layers: ["00-persistent-auth"],
  async run({ env }) {
    const ok: string[] = [];
    for (const host of env.config.proxmox.hosts) {
      const ssh = await connectProxmoxSsh(env, host);
      try {
        const r = await ssh.exec(["command", "-v", "pveum"]);
        if (r.code !== 0) {
          return {
            status: "fail",
            message: `${host.name}: pveum not found`,
            remedy: "is this a Proxmox VE host?",
          };
        }
      } finally {
        ssh.close();
      }
      ok.push(host.name);
    }
    return { status: "pass", message: ok.join(", ") };
  },
});

registerCheck({
  id: "persistent-auth-state",
  description: "layer 00 state exists and decrypts when the run skips it",
  run: async ({ env, layers }) => {
    if (layers.some((l) => l.id === "00-persistent-auth") || !layers.length) return { status: "pass" };
    if (!env.state.layer("00-persistent-auth")) {
      return {
        status: "fail",
        message: "layer 00 has never been applied on this machine",
        remedy: "run `deno task bootstrap` from the start, or `deno task auth import FILE`",
      };
    }
    await env.state.verifyDecryptable();
    return { status: "pass" };
  },
});

registerCheck({
  id: "age-identity",
  description: "the age identity that encrypts secrets exists or can be created",
  layers: ["00-persistent-auth"],
  async run({ env }) {
    const identity = await loadIdentity({ env: env.env });
    if (identity) return { status: "pass", message: identity.source };
    const path = identityPath(env.env);
    let dir = path.slice(0, path.lastIndexOf("/"));
    // the nearest existing ancestor must be writable for the identity to be created
    for (;;) {
      try {
        await Deno.stat(dir);
        break;
      } catch {
        dir = dir.slice(0, dir.lastIndexOf("/")) || "/";
      }
    }
    try {
      const probe = await Deno.makeTempFile({ dir });
      await Deno.remove(probe);
      return { status: "pass", message: `will be created at ${path}` };
    } catch {
      return {
        status: "fail",
        message: `cannot create ${path}`,
        remedy: "set STRATA_AGE_KEY or XDG_CONFIG_HOME to a writable place",
      };
    }
  },
});
