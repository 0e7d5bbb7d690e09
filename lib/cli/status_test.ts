import { assert, assertEquals } from "../../tests/testing.ts";
import type { LayerId, StepRecord } from "../engine/types.ts";
import type { LastRun } from "../state/migrations.ts";
import { formatStatus, statusReport, summarizeValue } from "./status.ts";

const at = Date.UTC(2026, 0, 2, 3, 4, 5);
const record = (output: Record<string, unknown>): StepRecord => ({
  at,
  durationMs: 12,
  output,
  hasSecret: true,
});
const docs: Partial<
  Record<LayerId, { completedAt?: number; lastRun?: LastRun; steps: Record<string, StepRecord> }>
> = {
  "00-persistent-auth": {
    completedAt: at,
    steps: {
      "auth.sealed-secrets-key": record({ certificate: "-----BEGIN CERTIFICATE-----\nMIIF…\n", bits: 4096 }),
    },
  },
  "01-infrastructure": {
    lastRun: { command: "apply", outcome: "failed", at, steps: ["infra.vm.cp-2"] },
    steps: { "infra.vm.cp-1": record({ vmid: 1101 }) },
  },
};
const state = { layer: (id: LayerId) => docs[id] };

Deno.test("status: applied, partly applied with the failed step, not applied; outputs on one line", () => {
  const report = statusReport("homelab", ["00-persistent-auth", "01-infrastructure", "02-services"], state);
  assertEquals(report.layers.map((l) => l.applied), [true, false, false]);
  assertEquals(report.layers[1].lastRun, {
    command: "apply",
    outcome: "failed",
    at: "2026-01-02T03:04:05.000Z",
    steps: ["infra.vm.cp-2"],
  });
  const text = formatStatus(report).join("\n");
  assert(text.includes("00-persistent-auth  applied 2026-01-02T03:04:05.000Z (1 step)"), text);
  assert(text.includes("certificate=-----BEGIN CERTIFICATE-----… bits=4096"), text);
  assert(text.includes("01-infrastructure   partly applied (1 step done)"), text);
  assert(text.includes("last run failed at infra.vm.cp-2 (2026-01-02T03:04:05.000Z)"), text);
  assert(text.includes("02-services         not applied"), text);
});

Deno.test("status: an interrupted destroy is reported as such", () => {
  const interrupted = {
    layer: () => ({
      steps: {},
      lastRun: { command: "destroy", outcome: "interrupted", at, steps: ["a", "b"] } as LastRun,
    }),
  };
  const text = formatStatus(statusReport("c", ["01-infrastructure"], interrupted)).join("\n");
  assert(text.includes("last destroy was interrupted during a, b"), text);
});

Deno.test("values: long and multi-line values are cut, others shown whole", () => {
  assertEquals(summarizeValue("short"), "short");
  assertEquals(summarizeValue({ a: 1 }), '{"a":1}');
  assertEquals(summarizeValue("x".repeat(80)), `${"x".repeat(57)}…`);
  assertEquals(summarizeValue("line1\nline2"), "line1…");
});
