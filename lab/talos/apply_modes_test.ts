/** ApplyConfiguration modes as machined resolves them, and Talos' list of live-changeable sections. */
import assert from "node:assert/strict";
import { ApplyMode } from "../../lib/talos/api/messages.ts";
import { canApplyImmediate, resolveApplyMode } from "./apply_modes.ts";
import { GrpcError } from "./machine_service.ts";

const base = {
  version: "v1alpha1",
  machine: {
    type: "controlplane",
    nodeLabels: { a: "1" },
    features: { kubePrism: { enabled: true }, diskQuotaSupport: true },
  },
  cluster: { clusterName: "x" },
};

Deno.test("live changes: labels, cluster, kubePrism; a reboot for the rest, with a diff", () => {
  const labels = structuredClone(base);
  labels.machine.nodeLabels = { a: "2" };
  labels.cluster.clusterName = "y";
  labels.machine.features.kubePrism.enabled = false;
  assert.equal(canApplyImmediate(base, labels), undefined);
  const quota = structuredClone(base);
  quota.machine.features.diskQuotaSupport = false;
  const why = canApplyImmediate(base, quota)!;
  assert.match(
    why,
    /^this config change can't be applied in immediate mode\ndiff:\n-.*"diskQuotaSupport": true,?\n\+.*"diskQuotaSupport": false/,
  );
  const type = structuredClone(base);
  type.machine.type = "worker";
  assert.ok(canApplyImmediate(base, type));
});

Deno.test("modes: maintenance REBOOT is NO_REBOOT; AUTO picks; NO_REBOOT refuses a reboot-only change", () => {
  assert.deepEqual(resolveApplyMode(ApplyMode.REBOOT, true, undefined), {
    mode: ApplyMode.NO_REBOOT,
    modeName: "REBOOT",
    details: "Applied configuration without a reboot",
  });
  assert.deepEqual(resolveApplyMode(ApplyMode.AUTO, false, undefined), {
    mode: ApplyMode.NO_REBOOT,
    modeName: "AUTO(NO_REBOOT)",
    details: "Applied configuration without a reboot",
  });
  assert.deepEqual(resolveApplyMode(ApplyMode.AUTO, false, "why"), {
    mode: ApplyMode.REBOOT,
    modeName: "AUTO(REBOOT)",
    details: "Applied configuration with a reboot",
    reason: "why",
  });
  assert.equal(
    resolveApplyMode(ApplyMode.STAGED, false, "why").details,
    "Staged configuration to be applied after the next reboot",
  );
  assert.throws(
    () => resolveApplyMode(ApplyMode.NO_REBOOT, false, "why"),
    (e) => e instanceof GrpcError && e.code === 3,
  );
  assert.throws(() => resolveApplyMode(ApplyMode.TRY, false, "why"), GrpcError);
  assert.throws(() => resolveApplyMode(9, false, undefined), /incorrect mode '9'/);
});
