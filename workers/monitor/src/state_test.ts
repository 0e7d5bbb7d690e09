import assert from "node:assert/strict";
import { decideAlert, effectiveState, INITIAL, nextState, type Outcome, type Streaks } from "./state.ts";

const t = { failureThreshold: 3, recoveryThreshold: 2 };
const run = (outcomes: Outcome[], from: Streaks = INITIAL) =>
  outcomes.reduce<Streaks[]>(
    (acc, o) => [...acc, nextState(acc.at(-1) ?? from, o, t)],
    [],
  ).map((s) => s.state);

Deno.test("a single blip is PENDING, N failures are DOWN, M successes are UP", () => {
  assert.deepEqual(run(["up", "down", "up"]), ["UP", "PENDING", "UP"]);
  assert.deepEqual(run(["up", "down", "down", "down", "down"]), [
    "UP",
    "PENDING",
    "PENDING",
    "DOWN",
    "DOWN",
  ]);
  assert.deepEqual(run(["down", "down", "down", "up", "down", "up", "up"]), [
    "PENDING",
    "PENDING",
    "DOWN",
    "DOWN",
    "DOWN",
    "DOWN",
    "UP",
  ]);
});

Deno.test("N slow successes make DEGRADED; a fast one clears it", () => {
  assert.deepEqual(
    run(["up", "degraded", "degraded", "degraded", "degraded", "up"]),
    [
      "UP",
      "UP",
      "UP",
      "DEGRADED",
      "DEGRADED",
      "UP",
    ],
  );
});

Deno.test("suppression wins over the machine state", () => {
  assert.equal(effectiveState("DOWN", { maintenance: "w" }), "MAINTENANCE");
  assert.equal(effectiveState("DOWN", { parentDown: "wan" }), "UNKNOWN");
  assert.equal(effectiveState("DEGRADED", {}), "DEGRADED");
});

Deno.test("alerts: once per change, reminders while DOWN, nothing while suppressed", () => {
  const fresh = { alertedState: null, lastAlertAt: null };
  assert.equal(decideAlert("UP", "UP", fresh, 0, 60_000).kind, null);
  assert.equal(decideAlert("PENDING", "PENDING", fresh, 0, 60_000).kind, null);
  const down = decideAlert(
    "DOWN",
    "DOWN",
    { alertedState: "UP", lastAlertAt: null },
    1000,
    60_000,
  );
  assert.equal(down.kind, "down");
  assert.equal(
    decideAlert("DOWN", "DOWN", down.memory, 30_000, 60_000).kind,
    null,
  );
  const again = decideAlert("DOWN", "DOWN", down.memory, 61_000, 60_000);
  assert.equal(again.kind, "reminder");
  assert.equal(decideAlert("DOWN", "DOWN", down.memory, 999_999, 0).kind, null);
  assert.equal(
    decideAlert("UP", "UP", again.memory, 62_000, 60_000).kind,
    "up",
  );
  const held = decideAlert(
    "DOWN",
    "UNKNOWN",
    { alertedState: "UP", lastAlertAt: null },
    0,
    60_000,
  );
  assert.deepEqual(held, {
    kind: null,
    memory: { alertedState: "UP", lastAlertAt: null },
  });
  assert.equal(
    decideAlert("DOWN", "MAINTENANCE", held.memory, 0, 60_000).kind,
    null,
  );
  assert.equal(
    decideAlert(
      "DEGRADED",
      "DEGRADED",
      { alertedState: "UP", lastAlertAt: 0 },
      1,
      0,
    ).kind,
    "degraded",
  );
});
