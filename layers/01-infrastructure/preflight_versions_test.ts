import { parseConfig } from "../../lib/config/load.ts";
import { registeredChecks } from "../../lib/preflight/registry.ts";
import type { RunEnv } from "../../lib/run/env.ts";
import { assertEquals, assertMatch } from "../../tests/testing.ts";
import "./preflight_versions.ts";

const BASE = Deno.readTextFileSync(new URL("../../examples/homelab.yaml", import.meta.url));

async function run(id: string, edit: (yaml: string) => string) {
  const { config } = parseConfig(edit(BASE), "homelab.yaml");
  const check = registeredChecks().find((c) => c.id === id)!;
  return await check.run({ env: { config } as RunEnv, layers: [] });
}

/** Sets `key: value` inside the top-level `section:` of the example config. */
function set(section: string, key: string, value: string) {
  return (yaml: string) => {
    const lines = yaml.split("\n");
    const start = lines.findIndex((l) => l.startsWith(`${section}:`));
    const at = lines.findIndex((l, i) => i > start && new RegExp(`^\\s+${key}:`).test(l));
    const end = lines.findIndex((l, i) => i > start && /^\S/.test(l));
    if (at > start && (end < 0 || at < end)) lines[at] = lines[at].replace(/:.*/, `: ${value}`);
    else lines.splice(start + 1, 0, `  ${key}: ${value}`);
    return lines.join("\n");
  };
}

Deno.test("the example config passes the version checks", async () => {
  for (const id of ["talos-version", "kubernetes-version", "cilium-version"]) {
    assertEquals((await run(id, (y) => y)).status, "pass", id);
  }
});

Deno.test("a Talos minor without a generator fails naming talos.version", async () => {
  const r = await run("talos-version", set("talos", "version", "v1.9.5"));
  assertEquals(r.status, "fail");
  assertMatch(r.message!, /talos\.version: .*v1\.9\.5 is not supported/);
  assertMatch(r.remedy!, /talos\.version/);
});

Deno.test("Kubernetes outside the Talos range fails naming kubernetes.version", async () => {
  const r = await run("kubernetes-version", set("kubernetes", "version", "v1.29.4"));
  assertEquals(r.status, "fail");
  assertMatch(r.message!, /kubernetes\.version: Talos v1\.13 supports Kubernetes 1\.31\.0 to 1\.36\.x/);
});

Deno.test("Cilium: an unsupported Kubernetes fails, an unknown Cilium minor warns", async () => {
  const old = await run("cilium-version", set("cilium", "version", "1.15.6"));
  assertEquals(old.status, "fail");
  assertMatch(old.message!, /Cilium 1\.15\.6 supports Kubernetes 1\.16–1\.29, not v1\.33/);
  assertMatch(old.remedy!, /cilium\.version/);
  const future = await run("cilium-version", set("cilium", "version", "1.42.0"));
  assertEquals(future.status, "warn");
});
