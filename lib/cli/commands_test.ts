import { assert, assertEquals, assertRejects } from "../../tests/testing.ts";
import { parseConfig } from "../config/load.ts";
import type { LayerId } from "../engine/types.ts";
import { ExitCode, RefusedError, UsageError } from "../errors.ts";
import type { LayerDefinition, RunEnv } from "../run/env.ts";
import { confirmDestroy, destroyOrder, renderArtifacts, runExitCode, selectLayers } from "./commands.ts";

Deno.test("--only and --start-from pick the layers to apply, by name or number", () => {
  assertEquals(selectLayers({}).map((l) => l.id), [
    "00-persistent-auth",
    "01-infrastructure",
    "02-services",
    "03-configuration",
  ]);
  assertEquals(selectLayers({ "start-from": "services" }).map((l) => l.id), [
    "02-services",
    "03-configuration",
  ]);
  assertEquals(selectLayers({ "start-from": "01" }).map((l) => l.id)[0], "01-infrastructure");
  assertEquals(selectLayers({ only: "00" }).map((l) => l.id), ["00-persistent-auth"]);
  assertEquals(selectLayers({ only: "configuration" }).map((l) => l.id), ["03-configuration"]);
  for (const flags of [{ only: "01", "start-from": "02" }, { only: "networking" }, { "start-from": "4" }]) {
    let err: unknown;
    try {
      selectLayers(flags);
    } catch (e) {
      err = e;
    }
    assert(err instanceof UsageError, JSON.stringify(flags));
  }
});

Deno.test("destroy tears down from 03 to the named layer, in reverse; layer 00 only when included", () => {
  assertEquals(destroyOrder("infrastructure", false), [
    "03-configuration",
    "02-services",
    "01-infrastructure",
  ]);
  assertEquals(destroyOrder("03", false), ["03-configuration"]);
  assertEquals(destroyOrder("00", true), [
    "03-configuration",
    "02-services",
    "01-infrastructure",
    "00-persistent-auth",
  ]);
  // --including-persistent-auth does not widen a destroy that starts above layer 00
  assertEquals(destroyOrder("services", true), ["03-configuration", "02-services"]);
  let err: unknown;
  try {
    destroyOrder(undefined, false);
  } catch (e) {
    err = e;
  }
  assert(err instanceof UsageError);
});

/** A terminal that records what it was asked and answers from a script. */
function terminal(answers: { prompt?: string | null; confirm?: boolean }, interactive = true) {
  const asked: string[] = [];
  return {
    asked,
    ask: {
      interactive,
      prompt: (q: string) => (asked.push(q), answers.prompt ?? null),
      confirm: (q: string) => (asked.push(q), answers.confirm ?? false),
    },
  };
}

const state = {
  layer: (id: LayerId) => id === "00-persistent-auth" ? { steps: { a: {}, b: {} } } : undefined,
};
const all: LayerId[] = ["03-configuration", "02-services", "01-infrastructure", "00-persistent-auth"];

Deno.test("layer 00 is destroyed only with the cluster's name; --yes is not enough (exit 4)", () => {
  const refused = (flags: Record<string, unknown>, answers = {}, interactive = true) => {
    const t = terminal(answers, interactive);
    try {
      confirmDestroy("homelab", all, flags as never, state, t.ask);
    } catch (err) {
      assert(err instanceof RefusedError, String(err));
      assertEquals(err.exitCode, ExitCode.refused);
      return { err, asked: t.asked };
    }
    return { err: undefined, asked: t.asked };
  };
  assert(refused({ yes: true }, {}, false).err, "--yes alone, no terminal");
  assert(refused({ yes: true }, { prompt: "" }).err, "--yes, nothing typed");
  const wrong = refused({ confirm: "homelab2" });
  assert(wrong.err?.message.includes('"homelab2" ≠ "homelab"'), wrong.err?.message);
  assert(refused({}, { prompt: "HOMELAB" }).err, "the name is exact");
  // the prompt names what is destroyed
  const typed = refused({}, { prompt: "homelab" });
  assertEquals(typed.err, undefined);
  assert(typed.asked[0].includes("00-persistent-auth (2 steps applied)"), typed.asked[0]);
  assertEquals(refused({ confirm: "homelab" }, {}, false).err, undefined);
});

Deno.test("other layers are confirmed at a terminal unless --yes; not asked without a terminal", () => {
  const upper: LayerId[] = ["03-configuration", "02-services", "01-infrastructure"];
  const no = terminal({ confirm: false });
  let err: unknown;
  try {
    confirmDestroy("homelab", upper, {}, state, no.ask);
  } catch (e) {
    err = e;
  }
  assert(err instanceof RefusedError);
  assert(no.asked[0].includes("Layer 00 is kept"), no.asked[0]);
  const yes = terminal({ confirm: true });
  confirmDestroy("homelab", upper, {}, state, yes.ask);
  const flag = terminal({});
  confirmDestroy("homelab", upper, { yes: true }, state, flag.ask);
  assertEquals(flag.asked, []);
  const script = terminal({}, false);
  confirmDestroy("homelab", upper, {}, state, script.ask);
  assertEquals(script.asked, []);
});

Deno.test("render collects every layer's artifacts and refuses two layers writing one path", async () => {
  const { config } = parseConfig(
    Deno.readTextFileSync(new URL("../../examples/lab.yaml", import.meta.url)),
    "lab.yaml",
  );
  const env = { config } as RunEnv;
  const layer = (id: LayerId, files: Record<string, string>, notes?: string[]): LayerDefinition => ({
    id,
    name: "services",
    title: id,
    steps: () => [],
    render: () => ({ files, notes }),
  });
  const out = await renderArtifacts(env, [
    layer("01-infrastructure", { "a/x.json": "1" }, ["x is early"]),
    layer("02-services", { "b/y.yaml": "2" }),
  ]);
  assertEquals(Object.keys(out.files), ["config.json", "a/x.json", "b/y.yaml"]);
  assertEquals(JSON.parse(out.files["config.json"]).cluster.name, "strata-lab");
  assertEquals(out.notes, ["x is early"]);
  await assertRejects(
    () =>
      renderArtifacts(env, [layer("01-infrastructure", { "a": "1" }), layer("02-services", { "a": "2" })]),
    (err) =>
      assert(String(err).includes("render: 02-services and 01-infrastructure both write a"), String(err)),
  );
});

Deno.test("a stopped run exits 130 when interrupted, 3 or 4 when the step says so, else 1", () => {
  assertEquals(runExitCode({ interrupted: true, exitCode: 130 }), 130);
  assertEquals(runExitCode({ interrupted: false, exitCode: 3 }), 3, "a host key to trust first");
  assertEquals(runExitCode({ interrupted: false, exitCode: 4 }), 4, "refused by a safety rule");
  assertEquals(runExitCode({ interrupted: false, exitCode: 2 }), 1, "a step that finds the config at odds");
  assertEquals(runExitCode({ interrupted: false, exitCode: 1 }), 1);
});
