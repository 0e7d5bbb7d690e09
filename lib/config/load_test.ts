import { assert, assertEquals, assertRejects } from "../../tests/testing.ts";
import { describe, EXAMPLES, exampleText, issuesOf, MINIMAL } from "../../tests/config/helpers.ts";
import { ExitCode } from "../errors.ts";
import { ConfigError, loadConfig, parseConfig } from "./mod.ts";

const example = (name: string) => new URL(name, EXAMPLES).pathname;

Deno.test("examples/homelab.yaml: 3 control planes in 10.0.1.x, 2 workers in 10.0.2.x, the VIP in 10.0.3.x", async () => {
  const { config, warnings } = await loadConfig(example("homelab.yaml"));
  assertEquals(warnings, []);
  assertEquals(config.proxmox.hosts.length, 1);
  assertEquals(config.network.subnets, [{ cidr: "10.0.0.0/16", gateway: "10.0.0.1" }]);
  assertEquals(config.nodes.map((n) => `${n.role} ${n.ip.split(".").slice(0, 3).join(".")}`), [
    "controlplane 10.0.1",
    "controlplane 10.0.1",
    "controlplane 10.0.1",
    "worker 10.0.2",
    "worker 10.0.2",
  ]);
  assert(config.network.vip.startsWith("10.0.3."));
  assert(config.nodes.every((n) => n.host === "pve1" && n.memoryMiB >= 8192 && n.diskGiB >= 64));
});

Deno.test("examples/lab.yaml: 3 control planes and 2 workers that the lab can emulate", async () => {
  const { config, warnings } = await loadConfig(example("lab.yaml"), { lab: true });
  assertEquals(warnings, []);
  assertEquals(config.nodes.filter((n) => n.role === "controlplane").length, 3);
  assertEquals(config.nodes.filter((n) => n.role === "worker").length, 2);
  assertEquals(config.lab.profile, "fast");
});

Deno.test("a missing file is a config error (exit 2) suggesting --config and the examples", async () => {
  const err = await assertRejects(() => loadConfig("/nonexistent/cluster.yaml"));
  assert(err instanceof ConfigError);
  assertEquals(err.exitCode, ExitCode.usage);
  assert(err.message.includes("/nonexistent/cluster.yaml: config file not found"), err.message);
  assert(err.message.includes("--config") && err.message.includes("examples/lab.yaml"), err.message);
  const dir = await assertRejects(() => loadConfig(new URL(".", EXAMPLES).pathname));
  assert(dir instanceof ConfigError && dir.message.includes("cannot read the config file"), String(dir));
});

Deno.test({
  name: "loading is side-effect free: it runs with no permission to write, run or reach the network",
  // the yaml package reads LOG_TOKENS and LOG_STREAM (its debug switches); nothing else from the environment
  permissions: {
    read: true,
    write: false,
    net: false,
    run: false,
    env: ["LOG_TOKENS", "LOG_STREAM"],
    sys: false,
    ffi: false,
  },
  fn: async () => {
    await loadConfig(example("lab.yaml"), { lab: true });
    await loadConfig(example("homelab.yaml"));
    await assertRejects(() =>
      loadConfig(new URL("../../tests/config/malformed/duplicate-vmid.yaml", import.meta.url).pathname)
    );
  },
});

Deno.test("every problem is reported at once, in file order, each with line:column", () => {
  const text = exampleText()
    .replace("name: strata-lab", "name: Strata")
    .replace("vmid: 1102", "vmid: 1101")
    .replace(
      "memory: 4GiB\n    disk: 32GiB\n    ip: 10.0.2.22",
      "memroy: 4GiB\n    disk: 32GiB\n    ip: 10.0.2.22",
    );
  const issues = issuesOf(text);
  assertEquals(issues.map((i) => i.path), ["cluster.name", "nodes[4].memroy"], describe(issues));
  const fixed = issuesOf(text.replace("name: Strata", "name: strata").replace("memroy", "memory"));
  assertEquals(fixed.map((i) => i.path), ["nodes[1].vmid"]);
  for (const i of [...issues, ...fixed]) assert(i.line && i.column, `${i.path} is located`);
});

Deno.test("YAML anchors and merge keys work, so nodes can share their settings", () => {
  const text = MINIMAL.replace(
    /nodes:[\s\S]*$/,
    `nodes:
  - &cp { name: cp-1, role: controlplane, host: pve1, vmid: 1101, memory: 4GiB, disk: 32GiB, ip: 10.0.1.11 }
  - { <<: *cp, name: cp-2, vmid: 1102, ip: 10.0.1.12 }
  - { <<: *cp, name: cp-3, vmid: 1103, ip: 10.0.1.13 }
  - { <<: *cp, name: worker-1, role: worker, vmid: 1201, ip: 10.0.2.21 }
`,
  );
  const { config } = parseConfig(text, "anchors.yaml");
  assertEquals(config.nodes.map((n) => [n.name, n.role, n.memoryMiB]), [
    ["cp-1", "controlplane", 4096],
    ["cp-2", "controlplane", 4096],
    ["cp-3", "controlplane", 4096],
    ["worker-1", "worker", 4096],
  ]);
});

Deno.test("empty files, lists and YAML syntax errors are config errors at their position", () => {
  assertEquals(issuesOf("").map((i) => [i.path, i.line, i.message]), [["", 1, "the config file is empty"]]);
  assertEquals(issuesOf("# only a comment\n")[0].message, "the config file is empty");
  assertEquals(issuesOf("- a\n- b\n")[0].path, "");
  const tab = issuesOf("cluster:\n\tname: x\n");
  assertEquals([tab[0].line, tab[0].code, tab[0].hint], [2, "yaml", "indent with spaces, not tabs"]);
  const dup = issuesOf(MINIMAL.replace("vip: 10.0.3.10", "vip: 10.0.3.10\n  vip: 10.0.3.11"));
  assertEquals(dup.map((i) => i.path), ["network.vip"]);
});
