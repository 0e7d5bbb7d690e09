import { deepStrictEqual } from "node:assert";
import { assertEquals } from "../../tests/testing.ts";
import { fullName, normalize } from "./normalize.ts";
import { ConfigSchema } from "./schema.ts";
import { parse } from "yaml";
import { MINIMAL } from "../../tests/config/helpers.ts";

Deno.test("normalize: API origin, SSH defaults from it, sizes as numbers, MAC upper-cased", () => {
  const raw = ConfigSchema.parse(parse(
    MINIMAL.replace('api: "https://10.0.0.10:8006"', 'api: "https://pve1.lan:8006/", ssh: { port: 2222 }')
      .replace(
        "memory: 4GiB, disk: 32GiB, ip: 10.0.1.11",
        'memory: 1536MiB, disk: 1TiB, ip: 10.0.1.11, mac: "bc:24:11:00:01:11"',
      ),
  ));
  const config = normalize(raw);
  assertEquals(config.proxmox.hosts[0].api, "https://pve1.lan:8006");
  deepStrictEqual(config.proxmox.hosts[0].ssh, { port: 2222, user: "root", address: "pve1.lan" });
  assertEquals([config.nodes[0].memoryMiB, config.nodes[0].diskGiB, config.nodes[0].mac], [
    1536,
    1024,
    "BC:24:11:00:01:11",
  ]);
});

Deno.test("fullName: @ is the zone, relative names get the zone, full names stay", () => {
  assertEquals(fullName("@", "example.com"), "example.com");
  assertEquals(fullName("www", "example.com"), "www.example.com");
  assertEquals(fullName("api.k8s", "example.com"), "api.k8s.example.com");
  assertEquals(fullName("www.example.com", "example.com"), "www.example.com");
  assertEquals(fullName("example.com", "example.com"), "example.com");
  assertEquals(fullName("*.apps", "example.com"), "*.apps.example.com");
});
