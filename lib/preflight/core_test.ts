import { assert, assertEquals } from "../../tests/testing.ts";
import { parseConfig } from "../config/load.ts";
import type { LayerDefinition, RunEnv } from "../run/env.ts";
import { denoCheck, envSecretsCheck, gitCleanCheck, gitopsPaths, lockCheck } from "./core.ts";
import type { CheckResult } from "./registry.ts";

const { config } = parseConfig(
  Deno.readTextFileSync(new URL("../../examples/lab.yaml", import.meta.url)),
  "lab.yaml",
);

function envFor(over: Omit<Partial<RunEnv>, "flags"> & { flags?: Partial<RunEnv["flags"]> }): RunEnv {
  return {
    config,
    configFile: "cluster.yaml",
    configWarnings: [],
    env: {},
    ...over,
    flags: { skipChecks: [], allowDirty: false, ...over.flags },
  } as RunEnv;
}

async function git(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", { args: ["-C", dir, ...args], stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

Deno.test("gitops paths: flux/ and the config's flux path, from the repository root", () => {
  assertEquals(gitopsPaths({ path: "flux" }), ["flux"]);
  assertEquals(gitopsPaths({ path: "./clusters/home/" }), ["flux", "clusters/home"]);
  assertEquals(gitopsPaths(undefined), ["flux"]);
});

Deno.test("gitops-clean: uncommitted changes under the GitOps paths fail; --allow-dirty warns", async () => {
  const repo = await Deno.makeTempDir({ prefix: "strata-git-" });
  try {
    await git(repo, "init", "-q");
    await Deno.mkdir(`${repo}/flux`);
    await Deno.mkdir(`${repo}/clusters/home`, { recursive: true });
    await Deno.mkdir(`${repo}/config`);
    Deno.writeTextFileSync(`${repo}/flux/kustomization.yaml`, "resources: []\n");
    Deno.writeTextFileSync(`${repo}/clusters/home/app.yaml`, "a: 1\n");
    Deno.writeTextFileSync(`${repo}/config/cluster.yaml`, "cluster: {}\n");
    await git(repo, "add", ".");
    await git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "init");
    // the config sits in a subfolder: paths are still taken from the repository's root
    const env = (allowDirty = false) =>
      envFor({
        config: { ...config, flux: { ...config.flux!, path: "clusters/home" } },
        configFile: `${repo}/config/cluster.yaml`,
        flags: { allowDirty },
      });
    const run = async (allowDirty = false) => await gitCleanCheck.run({ env: env(allowDirty), layers: [] });

    assertEquals((await run()).status, "pass");
    Deno.writeTextFileSync(`${repo}/README.md`, "outside the GitOps paths\n");
    assertEquals((await run()).status, "pass", "changes elsewhere do not count");

    Deno.writeTextFileSync(`${repo}/flux/kustomization.yaml`, "resources: [x.yaml]\n");
    Deno.writeTextFileSync(`${repo}/clusters/home/new.yaml`, "b: 2\n");
    const dirty = await run();
    assertEquals(dirty.status, "fail");
    assertEquals(dirty.message, "2 uncommitted change(s) under flux, clusters/home");
    assert(dirty.remedy?.includes("--allow-dirty"));
    const allowed = await run(true);
    assertEquals(allowed.status, "warn");
    assert(allowed.message?.includes("(--allow-dirty)"));
  } finally {
    await Deno.remove(repo, { recursive: true });
  }
});

Deno.test("gitops-clean: a config outside any git checkout has nothing to compare", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await gitCleanCheck.run({ env: envFor({ configFile: `${dir}/cluster.yaml` }), layers: [] });
    assertEquals(r.status, "pass");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("env-secrets: the variables the selected layers declare must be set", async () => {
  const dns: LayerDefinition = {
    id: "03-configuration",
    name: "configuration",
    title: "configuration",
    steps: () => [],
    requiredEnv: () => [{ name: "CLOUDFLARE_API_TOKEN", why: "DNS records in Cloudflare" }],
  };
  const missing = await envSecretsCheck.run({ env: envFor({}), layers: [dns] }) as CheckResult;
  assertEquals(missing, {
    status: "fail",
    message: "missing CLOUDFLARE_API_TOKEN",
    remedy: "export CLOUDFLARE_API_TOKEN=… (DNS records in Cloudflare)",
  });
  const set = await envSecretsCheck.run({
    env: envFor({ env: { CLOUDFLARE_API_TOKEN: "x" } }),
    layers: [dns],
  });
  assertEquals(set.status, "pass");
  assertEquals((await envSecretsCheck.run({ env: envFor({}), layers: [] })).status, "pass");
});

Deno.test("lock: free passes; held by a live process fails; a dead holder is stale with the fix", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const env = envFor({ clusterDir: dir });
    assertEquals((await lockCheck.run({ env, layers: [] })).status, "pass");
    const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
    const hold = (pid: number) =>
      Deno.writeTextFileSync(
        `${dir}/lock`,
        JSON.stringify({ pid, host: Deno.hostname(), startedAt: "t", command: "bootstrap" }),
      );
    hold(child.pid);
    const held = await lockCheck.run({ env, layers: [] });
    assertEquals(held.status, "fail");
    assert(held.message?.includes(`locked by pid ${child.pid}`), held.message);
    child.kill();
    await child.status;
    const stale = await lockCheck.run({ env, layers: [] });
    assertEquals(stale.status, "fail");
    assert(
      stale.message?.includes("stale lock") && stale.remedy === `remove ${dir}/lock`,
      JSON.stringify(stale),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno: version 2 or newer", async () => {
  const r = await denoCheck.run({ env: envFor({}), layers: [] });
  assertEquals(r.status, Number(Deno.version.deno.split(".")[0]) >= 2 ? "pass" : "fail");
});
