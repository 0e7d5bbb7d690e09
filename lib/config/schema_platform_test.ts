import { assert, assertEquals } from "../../tests/testing.ts";
import { CiliumSchema, FluxSchema, PatchSchema, TalosSchema } from "./schema_platform.ts";

Deno.test("Talos defaults match the generator's version and Proxmox's safe VM settings", () => {
  const talos = TalosSchema.parse(undefined);
  assertEquals([talos.version, talos.cpuType, talos.diskBus], ["v1.13.9", "host", "scsi"]);
  assert(!TalosSchema.safeParse({ cpuType: "kvm64" }).success);
});

Deno.test("patches: a strategic-merge mapping or a list of JSON 6902 operations", () => {
  assert(PatchSchema.safeParse({ machine: { sysctls: { a: "1" } } }).success);
  assert(PatchSchema.safeParse([{ op: "remove", path: "/machine/sysctls/a" }]).success);
  assert(PatchSchema.safeParse([{ op: "add", path: "/machine/x", value: null }]).success);
  assert(
    !PatchSchema.safeParse([{ op: "add", path: "machine/x", value: 1 }]).success,
    "paths are JSON pointers",
  );
  assert(!PatchSchema.safeParse([{ op: "add", path: "/x", value: 1, extra: 1 }]).success);
  assert(!PatchSchema.safeParse("machine: {}").success);
});

Deno.test("Cilium and Flux defaults", () => {
  assertEquals(CiliumSchema.parse(undefined), {
    version: "1.18.2",
    ipam: "kubernetes",
    routingMode: "tunnel",
  });
  const flux = FluxSchema.parse({
    url: "ssh://git@github.com/me/x.git",
    knownHosts: "github.com ssh-ed25519 AAAA",
  });
  assertEquals([flux.branch, flux.path], ["main", "flux"]);
  assert(!FluxSchema.safeParse({ url: "ssh://git@github.com/me/x.git" }).success, "knownHosts is required");
});
