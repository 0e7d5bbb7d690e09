import { assert, assertEquals } from "../../tests/testing.ts";
import { checkLimits, limitOf, orderSteps, reverseSteps, StepGraphError } from "./graph.ts";
import type { Step } from "./types.ts";

const step = (id: string, dependsOn: string[] = [], resources?: string[]): Step => ({
  id,
  title: `title of ${id}`,
  dependsOn,
  resources,
  apply: () => Promise.resolve(),
});

function graphError(f: () => unknown): StepGraphError {
  try {
    f();
  } catch (err) {
    assert(err instanceof StepGraphError, `expected a StepGraphError, got ${err}`);
    return err;
  }
  throw new Error("accepted a bad graph");
}

Deno.test("orderSteps puts dependencies first and keeps the input order otherwise", () => {
  const ids = orderSteps([step("d", ["b", "c"]), step("b", ["a"]), step("c", ["a"]), step("a"), step("x")])
    .map((s) => s.id);
  assertEquals(ids, ["a", "b", "c", "d", "x"]);
});

Deno.test("orderSteps names duplicate ids, unknown dependencies and the layer", () => {
  const dup = graphError(() => orderSteps([step("a"), step("a")], "01-infrastructure"));
  assertEquals(dup.message, "duplicate step id a in layer 01-infrastructure");
  const unknown = graphError(() => orderSteps([step("a", ["nope"])], "02-services"));
  assertEquals(unknown.message, "step a depends on unknown step nope in layer 02-services");
  assert(unknown.remedy?.includes("ctx.output"), "says how to read another layer's output");
  graphError(() => orderSteps([{ ...step("a"), id: "" }]));
});

Deno.test("a cycle is reported as exactly its members, in order", () => {
  const err = graphError(() =>
    orderSteps(
      [step("entry", ["a"]), step("a", ["b"]), step("b", ["c"]), step("c", ["a"])],
      "03-configuration",
    )
  );
  assertEquals(err.message, "dependency cycle in layer 03-configuration: a → b → c → a");
  assertEquals(
    graphError(() => orderSteps([step("self", ["self"])])).message,
    "dependency cycle: self → self",
  );
});

Deno.test("reverseSteps turns every edge around", () => {
  const reversed = reverseSteps(
    orderSteps([step("a"), step("b", ["a"]), step("c", ["a"]), step("d", ["b", "c"])]),
  );
  assertEquals(
    Object.fromEntries(reversed.map((s) => [s.id, s.dependsOn])),
    { a: ["b", "c"], b: ["d"], c: ["d"], d: [] },
  );
  assertEquals(orderSteps(reversed).map((s) => s.id), ["d", "b", "c", "a"]);
});

Deno.test("limits: a function or a map; absent keys are unlimited; a limit below 1 is a graph error", () => {
  assertEquals(limitOf({ "proxmox-host:pve1": 2 }, "proxmox-host:pve1"), 2);
  assertEquals(limitOf({ "proxmox-host:pve1": 2 }, "constructor"), undefined);
  assertEquals(limitOf((r) => r.length, "abc"), 3);
  assertEquals(limitOf(undefined, "x"), undefined);
  const steps = [step("vm", [], ["proxmox-host:pve1"])];
  checkLimits(steps, { "proxmox-host:pve1": 1 });
  checkLimits(steps, () => undefined);
  for (const bad of [0, -1, 1.5, NaN]) {
    const err = graphError(() => checkLimits(steps, { "proxmox-host:pve1": bad }, "01-infrastructure"));
    assert(err.message.includes("proxmox-host:pve1") && err.message.includes("step vm"), err.message);
  }
});
