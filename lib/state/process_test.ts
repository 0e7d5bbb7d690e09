import { assert, assertEquals } from "../../tests/testing.ts";
import { bootId, processAlive, processStartTime } from "./process.ts";

Deno.test("processAlive: this process yes, a finished child no, nonsense pids no", async () => {
  assert(processAlive(Deno.pid));
  const child = new Deno.Command(Deno.execPath(), { args: ["eval", ""] }).spawn();
  await child.status;
  assert(!processAlive(child.pid), "a reaped child is gone");
  assertEquals([processAlive(0), processAlive(-1), processAlive(1.5)], [false, false, false]);
});

Deno.test("process start time and boot id are stable where /proc exists", () => {
  const start = processStartTime(Deno.pid);
  if (Deno.build.os !== "linux") return;
  assert(start && /^\d+$/.test(start), String(start));
  assertEquals(processStartTime(Deno.pid), start);
  assert(bootId() && bootId() === bootId());
});
