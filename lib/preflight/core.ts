/**
 * The checks every run needs: config, state, lock, Deno, a clean GitOps tree, secrets in the
 * environment.
 */
import { readLock } from "../state/lock.ts";
import { type Check, registerCheck } from "./registry.ts";

export const configCheck: Check = {
  id: "config",
  description: "cluster config is valid",
  run: ({ env }) =>
    env.configWarnings.length
      ? {
        status: "warn",
        message: env.configWarnings.map((w) => `${w.path}: ${w.message}`).join("; "),
        remedy: env.configWarnings.map((w) => w.hint).filter(Boolean).join("; ") || undefined,
      }
      : { status: "pass", message: `${env.configFile}: ${env.config.nodes.length} nodes` },
};

export const stateCheck: Check = {
  id: "state",
  description: "state is readable and decryptable",
  run: async ({ env }) => {
    await env.state.verifyDecryptable();
    return { status: "pass", message: `${env.clusterDir}` };
  },
};

export const lockCheck: Check = {
  id: "lock",
  description: "no other run holds the state lock",
  run: ({ env }) => {
    const path = `${env.clusterDir}/lock`;
    const held = readLock(path);
    if (!held || held.holder.pid === Deno.pid) return { status: "pass" };
    return held.stale
      ? { status: "fail", message: `stale lock from dead pid ${held.holder.pid}`, remedy: `remove ${path}` }
      : {
        status: "fail",
        message: `locked by pid ${held.holder.pid} on ${held.holder.host} (${held.holder.command})`,
        remedy: "wait for that run to finish",
      };
  },
};

export const denoCheck: Check = {
  id: "deno",
  description: "Deno 2 or newer",
  run: () => {
    const major = Number(Deno.version.deno.split(".")[0]);
    return major >= 2
      ? { status: "pass", message: `deno ${Deno.version.deno}` }
      : { status: "fail", message: `deno ${Deno.version.deno}`, remedy: "run with npx -y deno@2" };
  },
};

/** Paths of the GitOps tree that Flux deploys from, relative to the repository's root. */
export function gitopsPaths(flux?: { path: string }): string[] {
  const clean = (p: string) => p.replace(/^\.?\/+/, "").replace(/\/+$/, "") || ".";
  return [...new Set(["flux", flux?.path].filter((p): p is string => !!p).map(clean))];
}

/** The folder holding the config file: the GitOps repository is the git checkout it lives in. */
function configDir(file: string): string {
  const i = file.lastIndexOf("/");
  return i === -1 ? "." : i === 0 ? "/" : file.slice(0, i);
}

export const gitCleanCheck: Check = {
  id: "gitops-clean",
  description: "GitOps paths have no uncommitted changes (Flux deploys what is pushed)",
  layers: ["02-services", "03-configuration"],
  run: async ({ env }) => {
    const paths = gitopsPaths(env.config.flux);
    // `:/` makes each path relative to the repository's root, wherever the config file sits in it
    const out = await new Deno.Command("git", {
      args: ["-C", configDir(env.configFile), "status", "--porcelain", "--", ...paths.map((p) => `:/${p}`)],
      stdout: "piped",
      stderr: "null",
    }).output().catch(() => undefined);
    if (!out || !out.success) {
      return { status: "pass", message: "the config is not in a git checkout; nothing to compare" };
    }
    const dirty = new TextDecoder().decode(out.stdout).trim();
    if (!dirty) return { status: "pass", message: paths.join(", ") };
    const files = dirty.split("\n").length;
    if (env.flags.allowDirty) {
      return {
        status: "warn",
        message: `${files} uncommitted change(s) under ${paths.join(", ")} (--allow-dirty)`,
      };
    }
    return {
      status: "fail",
      message: `${files} uncommitted change(s) under ${paths.join(", ")}`,
      remedy: "commit and push them (Flux deploys what is pushed), or pass --allow-dirty",
    };
  },
};

export const envSecretsCheck: Check = {
  id: "env-secrets",
  description: "secrets the layers need are set in the environment",
  run: ({ env, layers }) => {
    const missing = layers.flatMap((l) => l.requiredEnv?.(env) ?? []).filter((r) => !env.env[r.name]);
    return missing.length
      ? {
        status: "fail",
        message: `missing ${missing.map((m) => m.name).join(", ")}`,
        remedy: missing.map((m) => `export ${m.name}=… (${m.why})`).join("; "),
      }
      : { status: "pass" };
  },
};

for (const check of [configCheck, stateCheck, lockCheck, denoCheck, gitCleanCheck, envSecretsCheck]) {
  registerCheck(check);
}
