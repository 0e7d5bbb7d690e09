import { assert, assertEquals } from "../../tests/testing.ts";
import { LAB_SYSTEMS, LabSchema } from "./schema_lab.ts";

Deno.test("lab defaults, and fault knobs for every emulated system", () => {
  assertEquals(LabSchema.parse(undefined), {
    profile: "fast",
    seed: 1,
    faults: {},
    foreignVms: [],
    ciliumNeverStarts: [],
  });
  for (const system of LAB_SYSTEMS) {
    assert(
      LabSchema.safeParse({
        faults: { [system]: { errorRate: 0.1, spikeRate: 0.1, spikeMs: 10, dropRate: 0.1 } },
      }).success,
      system,
    );
  }
  assert(!LabSchema.safeParse({ faults: { dns: {} } }).success, "unknown systems are rejected");
  assert(!LabSchema.safeParse({ scale: 0 }).success);
  assert(!LabSchema.safeParse({ seed: 1.5 }).success);
  assert(LabSchema.safeParse({ profile: "realistic", scale: 250 }).success);
});
