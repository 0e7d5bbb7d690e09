import Ajv2020 from "ajv/dist/2020.js";
import { parse } from "yaml";
import { assert, assertEquals } from "../../tests/testing.ts";
import { ConfigError, configJsonSchema, loadConfig, parseConfig } from "./mod.ts";

const example = (name: string) => new URL(`../../examples/${name}`, import.meta.url).pathname;

Deno.test("both examples validate and normalize sizes", async () => {
  for (const name of ["lab.yaml", "homelab.yaml"]) {
    const { config, warnings } = await loadConfig(example(name));
    assertEquals(warnings, []);
    assert(config.nodes.every((n) => n.memoryMiB >= 2048 && n.diskGiB >= 32), name);
    assertEquals(config.nodes.filter((n) => n.role === "controlplane").length, 3);
  }
});

Deno.test("homelab example: controllers 10.0.1.x, workers 10.0.2.x, VIP 10.0.3.x", async () => {
  const { config } = await loadConfig(example("homelab.yaml"));
  for (const n of config.nodes) assert(n.ip.startsWith(n.role === "controlplane" ? "10.0.1." : "10.0.2."));
  assert(config.network.vip.startsWith("10.0.3."));
});

Deno.test("defaults are filled in", () => {
  const text = Deno.readTextFileSync(example("lab.yaml")).replace(/^talos:[\s\S]*?(?=^kubernetes:)/m, "");
  const { config } = parseConfig(text, "lab.yaml");
  assertEquals(config.talos.version, "v1.13.9");
  assertEquals(config.talos.factory, "https://factory.talos.dev");
  assertEquals(config.talos.cpuType, "host");
  assertEquals(config.proxmox.vmCreateConcurrency, 3);
});

Deno.test("an even number of control planes is a warning, not an error", () => {
  const text = Deno.readTextFileSync(example("lab.yaml")).replace(/^ {2}- name: cp-3\n( {4}.*\n)+/m, "");
  const { warnings } = parseConfig(text, "lab.yaml");
  assertEquals(warnings.map((w) => w.path), ["nodes"]);
  assert(warnings[0].line, "warning is located");
});

Deno.test("every problem is reported, not only the first", () => {
  const text = Deno.readTextFileSync(example("lab.yaml"))
    .replace("vmid: 1102", "vmid: 1101").replace("ip: 10.0.2.22", "ip: 10.0.2.21");
  try {
    parseConfig(text, "lab.yaml");
    throw new Error("accepted");
  } catch (err) {
    assert(err instanceof ConfigError);
    assertEquals(err.issues.map((i) => i.path).sort(), ["nodes[1].vmid", "nodes[4].ip"]);
  }
});

Deno.test("a missing file is a config error suggesting --config", async () => {
  try {
    await loadConfig("/nonexistent/cluster.yaml");
    throw new Error("accepted");
  } catch (err) {
    assert(err instanceof ConfigError && err.message.includes("--config"));
  }
});

Deno.test("the JSON Schema is valid and accepts both examples", () => {
  const ajv = new Ajv2020.default({ strict: false });
  const validate = ajv.compile(configJsonSchema());
  for (const name of ["lab.yaml", "homelab.yaml"]) {
    assert(validate(parse(Deno.readTextFileSync(example(name)))), JSON.stringify(validate.errors));
  }
  assert(!validate({ cluster: { name: "x", typo: 1 } }), "unknown keys rejected by the schema");
});
