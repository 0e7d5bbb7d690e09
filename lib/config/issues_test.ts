import { assert, assertEquals } from "../../tests/testing.ts";
import { ExitCode, UsageError } from "../errors.ts";
import { ConfigError, issueLine, maskLine } from "./issues.ts";

const SOURCE = `cluster:
  name: homelab
nodes:
  - name: cp-1
    memory: 1GiB
    apiToken: s3cr3t-value
`;

Deno.test("ConfigError is a usage error (exit 2) listing its issues in file order", () => {
  const err = new ConfigError("cluster.yaml", [
    {
      path: "nodes[0].memory",
      line: 5,
      column: 13,
      message: "1GiB is below Talos' minimum",
      hint: "use 2GiB",
    },
    { path: "cluster.name", line: 2, column: 9, message: "is wrong" },
  ], SOURCE);
  assert(err instanceof UsageError);
  assertEquals(err.exitCode, ExitCode.usage);
  assertEquals(err.issues.map((i) => i.path), ["cluster.name", "nodes[0].memory"]);
  assert(err.remedy?.includes("docs/config-reference.md"));
  assertEquals(err.message, err.format());
});

Deno.test("format: location, message, the source line with a caret under the column, and the fix", () => {
  const err = new ConfigError("cluster.yaml", [
    {
      path: "nodes[0].memory",
      line: 5,
      column: 13,
      message: "1GiB is below Talos' minimum",
      hint: "use 2GiB",
    },
  ], SOURCE);
  assertEquals(
    err.format(),
    [
      "config cluster.yaml has 1 problem:",
      "",
      "cluster.yaml:5:13: nodes[0].memory: 1GiB is below Talos' minimum",
      "  5 |     memory: 1GiB",
      "    |             ^",
      "  fix: use 2GiB",
    ].join("\n"),
  );
  assertEquals(
    err.format({ excerpt: false }),
    "config cluster.yaml has 1 problem:\n\ncluster.yaml:5:13: nodes[0].memory: 1GiB is below Talos' minimum\n" +
      "  fix: use 2GiB",
  );
});

Deno.test("the value of an unknown key is never shown, nor a secret-looking one, nor a URL password", () => {
  const err = new ConfigError("cluster.yaml", [
    { path: "nodes[0].apiToken", line: 6, column: 5, message: 'unknown key "apiToken"', code: "unknown-key" },
  ], SOURCE);
  assert(!err.message.includes("s3cr3t-value"), err.message);
  assert(err.message.includes("  6 |     apiToken: …"), err.message);
  assertEquals(maskLine("  ssh: { adress: 10.0.0.10, port: 22 }", 9), "  ssh: { adress: …");
  assertEquals(maskLine("    password: hunter2"), "    password: …");
  assertEquals(maskLine("  api: https://root:hunter2@pve:8006"), "  api: https://root:***@pve:8006");
  assertEquals(maskLine("    memory: 1GiB"), "    memory: 1GiB");
});

Deno.test("issues without a position name the file only", () => {
  assertEquals(
    issueLine("cluster.yaml", { path: "", message: "config file not found" }),
    "cluster.yaml: config file not found",
  );
  const err = new ConfigError("x.yaml", [{
    path: "",
    message: "config file not found",
    hint: "pass --config",
  }]);
  assertEquals(
    err.message,
    "config x.yaml has 1 problem:\n\nx.yaml: config file not found\n  fix: pass --config",
  );
});
