import { assert, assertEquals } from "../../tests/testing.ts";
import { parseConfig } from "../../lib/config/load.ts";
import { API_MODEL } from "../../lab/proxmox/api_model.ts";
import { validateParams } from "../../lab/proxmox/validate.ts";
import { macOf, vmCreateParams, vmSteps } from "./vms.ts";

const config =
  parseConfig(Deno.readTextFileSync(new URL("../../examples/homelab.yaml", import.meta.url)), "h").config;

Deno.test("every VM step holds its host's concurrency key, after the image on that host", () => {
  const steps = vmSteps({
    config,
    factory: "https://factory.talos.dev",
    client: () => Promise.reject(new Error("unused")),
  });
  const vms = steps.filter((s) => s.id.startsWith("infra.vm."));
  assertEquals(vms.length, config.nodes.length);
  for (const s of vms) {
    assertEquals(s.resources, ["proxmox-host:pve1"]);
    assertEquals(s.dependsOn, ["infra.image.pve1.local"]);
  }
});

Deno.test("the create parameters are valid for the real API and carry what Talos needs", () => {
  for (const node of config.nodes) {
    const params = vmCreateParams(config, node, "local:import/talos-abc-v1.13.9-nocloud-amd64.raw");
    assertEquals(validateParams(API_MODEL["POST /nodes/{node}/qemu"], { node: "pve1", ...params }), {});
    assertEquals([params.cpu, params.machine, params.scsihw], ["host", "q35", "virtio-scsi-single"]);
    assert(String(params.ipconfig0).startsWith(`ip=${node.ip}/16,gw=10.0.0.1`));
    assertEquals(String(params.tags).split(";"), ["strata", "strata-homelab", `role-${node.role}`]);
  }
});

Deno.test("the MAC of a net0 value, whatever the model, upper-cased; none without one", () => {
  assertEquals(macOf("virtio=bc:24:11:00:01:11,bridge=vmbr0,tag=20"), "BC:24:11:00:01:11");
  assertEquals(macOf("bridge=vmbr0,e1000=BC:24:11:AA:BB:CC"), "BC:24:11:AA:BB:CC");
  assertEquals(macOf("virtio,bridge=vmbr0"), undefined);
  assertEquals(macOf(undefined), undefined);
});
