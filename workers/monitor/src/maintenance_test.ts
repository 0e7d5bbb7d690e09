import assert from "node:assert/strict";
import { activeMaintenance, maintenanceFor, windowSpan } from "./maintenance.ts";

const weekly = {
  id: "patch",
  title: "Patching",
  monitors: ["web"],
  cron: "0 3 * * sun",
  durationMinutes: 60,
};
const oneOff = {
  id: "move",
  title: "Moving racks",
  monitors: ["*"],
  start: "2025-01-10T10:00:00Z",
  end: "2025-01-10T12:00:00Z",
};

Deno.test("recurring windows are active for their duration after each fire time", () => {
  assert.equal(windowSpan(weekly, Date.UTC(2025, 0, 5, 3, 0))?.active, true);
  assert.equal(windowSpan(weekly, Date.UTC(2025, 0, 5, 3, 59))?.active, true);
  const after = windowSpan(weekly, Date.UTC(2025, 0, 5, 4, 0));
  assert.equal(after?.active, false);
  assert.equal(after?.start, Date.UTC(2025, 0, 12, 3, 0));
});

Deno.test("one-off windows: upcoming, active, then gone", () => {
  assert.equal(windowSpan(oneOff, Date.UTC(2025, 0, 10, 9, 0))?.active, false);
  assert.equal(windowSpan(oneOff, Date.UTC(2025, 0, 10, 10, 0))?.active, true);
  assert.equal(windowSpan(oneOff, Date.UTC(2025, 0, 10, 12, 0)), null);
});

Deno.test("activeMaintenance maps monitors (and *) to window titles", () => {
  const active = activeMaintenance(
    [weekly, oneOff],
    Date.UTC(2025, 0, 5, 3, 30),
  );
  assert.equal(maintenanceFor(active, "web"), "Patching");
  assert.equal(maintenanceFor(active, "api"), undefined);
  const all = activeMaintenance([weekly, oneOff], Date.UTC(2025, 0, 10, 11, 0));
  assert.equal(maintenanceFor(all, "api"), "Moving racks");
});
