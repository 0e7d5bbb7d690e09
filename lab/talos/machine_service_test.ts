/** Roles from certificates, machined's per-method rules, and the service definition's paths. */
import assert from "node:assert/strict";
import { encodeMessage } from "../../lib/talos/api/codec.ts";
import { ApplyConfigurationRequest } from "../../lib/talos/api/messages.ts";
import { machineServiceDefinition, METHOD_ROLES, rolesOf } from "./machine_service.ts";

Deno.test("os:admin implies every role; unknown organizations are no roles", () => {
  assert.ok(rolesOf(["os:admin"]).has("os:reader"));
  assert.deepEqual([...rolesOf(["os:reader", "system:masters"])], ["os:reader"]);
  assert.equal(rolesOf([]).size, 0);
});

Deno.test("rules: Bootstrap, Kubeconfig and Read need os:admin; Version is open to readers", () => {
  for (const m of ["Bootstrap", "Kubeconfig", "Read"]) assert.deepEqual(METHOD_ROLES[m], ["os:admin"]);
  assert.ok(METHOD_ROLES.Version.includes("os:reader"));
});

Deno.test("the definition uses machine.MachineService paths and our codec", () => {
  const def = machineServiceDefinition();
  assert.equal(def.ApplyConfiguration.path, "/machine.MachineService/ApplyConfiguration");
  assert.equal(def.Kubeconfig.responseStream, true);
  const bytes = encodeMessage(ApplyConfigurationRequest, { data: new Uint8Array([1]), mode: 1 });
  // deno-lint-ignore no-explicit-any
  const decoded = def.ApplyConfiguration.requestDeserialize(bytes as any) as { mode: number };
  assert.equal(decoded.mode, 1);
});
