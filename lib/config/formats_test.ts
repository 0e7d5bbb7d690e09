import { z } from "zod";
import { assert, assertEquals } from "../../tests/testing.ts";
import {
  type Format,
  formatOfMessage,
  formatProblem,
  FORMATS,
  formatSchema,
  redactUrl,
  urlFormat,
} from "./formats.ts";

const ok = (f: Format, ...values: string[]) => {
  for (const v of values) assertEquals(formatProblem(f, v), undefined, `${v} is right`);
};
const bad = (f: Format, value: string, hint?: string) => {
  assert(formatProblem(f, value), `${value} is wrong`);
  assertEquals(f.hint?.(value), hint, `hint for ${value}`);
};

Deno.test("every format accepts its own example", () => {
  for (const [name, f] of Object.entries(FORMATS)) assertEquals(formatProblem(f, f.example), undefined, name);
});

Deno.test("DNS labels and names: lower case, no underscores; the hint lower-cases", () => {
  ok(FORMATS.dnsLabel, "homelab", "cp-1", "a", "x".repeat(63));
  bad(FORMATS.dnsLabel, "Strata_Lab", "write strata-lab");
  bad(FORMATS.dnsLabel, "-lab", "write lab");
  bad(FORMATS.dnsLabel, "x".repeat(64), `write ${"x".repeat(63)}`);
  ok(FORMATS.dnsName, "k8s.example.com", "localhost");
  bad(FORMATS.dnsName, "K8s.Example.com.", "write k8s.example.com");
});

Deno.test("IPv4 addresses and networks; host bits and missing prefixes get the right value", () => {
  ok(FORMATS.ipv4, "10.0.1.11", "0.0.0.0", "255.255.255.255");
  bad(FORMATS.ipv4, "10.0.1.256");
  bad(FORMATS.ipv4, "10.0.01.1");
  bad(
    FORMATS.ipv4,
    "10.0.1.11/16",
    "write only the address, 10.0.1.11; the prefix length comes from network.subnets",
  );
  ok(FORMATS.cidr, "10.0.0.0/16", "0.0.0.0/0", "10.0.1.11/32");
  bad(FORMATS.cidr, "10.0.1.0/16", "the network is 10.0.0.0/16");
  bad(FORMATS.cidr, "10.244.0.0", "add the prefix length, e.g. 10.244.0.0/24");
  bad(FORMATS.cidr, "10.0.0.0/33");
});

Deno.test("MAC addresses: colons, unicast, not all zeros", () => {
  ok(FORMATS.mac, "BC:24:11:00:01:11", "bc:24:11:00:01:11", "02:00:00:00:00:01");
  bad(FORMATS.mac, "BC-24-11-00-01-11", "write BC:24:11:00:01:11");
  bad(FORMATS.mac, "bc2411000111", "write BC:24:11:00:01:11");
  bad(FORMATS.mac, "01:00:5E:00:00:11", "Proxmox's own prefix BC:24:11 is a safe choice");
  bad(FORMATS.mac, "00:00:00:00:00:00");
});

Deno.test("sizes are binary; decimal units and bare numbers get the binary spelling", () => {
  ok(FORMATS.size, "512MiB", "8GiB", "1.5GiB", "1TiB");
  bad(FORMATS.size, "8GB", "write 8GiB (sizes are binary: 1GiB = 1024MiB)");
  bad(FORMATS.size, "8G", "write 8GiB (sizes are binary: 1GiB = 1024MiB)");
  bad(FORMATS.size, "8 gib", "write 8GiB (sizes are binary: 1GiB = 1024MiB)");
  bad(FORMATS.size, "4096", "add a unit: 4096MiB (= 4GiB)");
  bad(FORMATS.size, "8", "add a unit: 8GiB");
  bad(FORMATS.size, "512KiB", "sizes go down to MiB");
});

Deno.test("versions: Talos and Kubernetes with a v, Cilium without", () => {
  ok(FORMATS.talosVersion, "v1.13.9", "v1.14.0-beta.0");
  bad(FORMATS.talosVersion, "1.13.9", "write v1.13.9");
  bad(FORMATS.kubernetesVersion, "v1.33", "give the full version, e.g. v1.33.0");
  ok(FORMATS.ciliumVersion, "1.18.2", "1.19.0-pre.1");
  bad(FORMATS.ciliumVersion, "v1.18.2", "write 1.18.2");
});

Deno.test("git URLs: ssh:// only, with the URL form of scp-like and https addresses as hints", () => {
  ok(FORMATS.gitUrl, "ssh://git@github.com/me/homelab.git", "ssh://git@gitea.lan:2222/me/homelab.git");
  bad(
    FORMATS.gitUrl,
    "git@github.com:me/homelab.git",
    "Flux needs the URL form: ssh://git@github.com/me/homelab.git",
  );
  bad(
    FORMATS.gitUrl,
    "https://github.com/me/homelab",
    "strata gives Flux an SSH deploy key: write ssh://git@github.com/me/homelab.git",
  );
});

Deno.test("fingerprints, extensions, repository paths, label keys", () => {
  bad(
    FORMATS.sshFingerprint,
    "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s=",
    "drop the trailing '=': " +
      "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
  );
  assert(FORMATS.sshFingerprint.hint?.("16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48")?.includes("MD5"));
  bad(FORMATS.extension, "qemu-guest-agent", "write siderolabs/qemu-guest-agent");
  ok(FORMATS.repoPath, "flux", "clusters/homelab", "./flux");
  bad(FORMATS.repoPath, "/flux", "write flux");
  bad(FORMATS.repoPath, "../other");
  ok(FORMATS.labelKey, "zone", "topology.kubernetes.io/zone", "node-role.kubernetes.io/storage");
  bad(FORMATS.labelKey, "node role");
  ok(FORMATS.labelValue, "", "rack-1");
  bad(FORMATS.labelValue, "-rack");
});

Deno.test("URL formats: scheme, no credentials, origin only; the hint repairs each", () => {
  const api = urlFormat({
    protocols: ["https"],
    originOnly: true,
    example: "https://10.0.0.10:8006",
    what: "x",
  });
  ok(api, "https://10.0.0.10:8006", "https://pve.lan:8006/");
  bad(api, "http://10.0.0.10:8006", "use https://, e.g. https://10.0.0.10:8006");
  bad(api, "https://10.0.0.10:8006/api2/json", "write just https://10.0.0.10:8006");
  assertEquals(
    formatProblem(api, "https://root:pw@10.0.0.10:8006"),
    "holds credentials (secrets never go in the config)",
  );
  bad(api, "10.0.0.10:8006", "add the scheme: https://10.0.0.10:8006");
  assertEquals(
    redactUrl("see https://root:hunter2@pve:8006 and ssh://git@github.com/x"),
    "see https://root:***@pve:8006 and ssh://git@github.com/x",
  );
});

Deno.test("formatSchema: one custom issue with the hint; the JSON Schema keeps the pattern", () => {
  const schema = z.object({ memory: formatSchema(FORMATS.size) });
  const r = schema.safeParse({ memory: "8GB" });
  assert(!r.success);
  assertEquals(
    r.error.issues.map((i) => [i.code, i.message, (i as { params?: { hint?: string } }).params?.hint]),
    [[
      "custom",
      `must be ${FORMATS.size.expect}`,
      "write 8GiB (sizes are binary: 1GiB = 1024MiB)",
    ]],
  );
  const missing = schema.safeParse({});
  assert(!missing.success);
  assertEquals(missing.error.issues[0].message, `is required: ${FORMATS.size.expect}`);
  assertEquals(formatOfMessage(`must be ${FORMATS.size.expect}`), FORMATS.size);
  const json = z.toJSONSchema(schema) as unknown as { properties: { memory: { pattern: string } } };
  assertEquals(json.properties.memory.pattern, FORMATS.size.pattern.source);
});
