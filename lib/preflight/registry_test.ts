import { assert, assertEquals } from "../../tests/testing.ts";
import type { EngineEvent, LayerId } from "../engine/types.ts";
import type { LayerDefinition, RunEnv } from "../run/env.ts";
import { type Check, registerCheck, registeredChecks, runPreflight } from "./registry.ts";

function layer(id: LayerId): LayerDefinition {
  return { id, name: "services", title: id, steps: () => [] };
}

function env(skipChecks: string[] = []): RunEnv {
  return { flags: { skipChecks } } as unknown as RunEnv;
}

function recorder() {
  const events: EngineEvent[] = [];
  return {
    events,
    reporter: { event: (e: EngineEvent) => void events.push(e), close: () => Promise.resolve() },
  };
}

Deno.test("checks run in parallel and each reports a row", async () => {
  // each check waits until all have started: run one after another, they would never finish
  let started = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => release = r);
  const waiting = (id: string): Check => ({
    id,
    description: `check ${id}`,
    run: async () => {
      if (++started === 3) release();
      await all;
      return { status: "pass", message: `${id} ok` };
    },
  });
  const { events, reporter } = recorder();
  const { ok } = await runPreflight(
    { env: env(), layers: [layer("00-persistent-auth")] },
    reporter,
    [waiting("a"), waiting("b"), waiting("c")],
  );
  assert(ok);
  assertEquals(events.map((e) => e.type === "preflight.result" && `${e.id}:${e.status}:${e.message}`), [
    "a:pass:a ok",
    "b:pass:b ok",
    "c:pass:c ok",
  ]);
});

Deno.test("a fail (or a check that throws) stops the run; warnings do not", async () => {
  const checks: Check[] = [
    { id: "warns", description: "w", run: () => ({ status: "warn", message: "hm", remedy: "look" }) },
    { id: "fails", description: "f", run: () => ({ status: "fail", message: "no", remedy: "fix it" }) },
    {
      id: "throws",
      description: "t",
      run: () => {
        throw Object.assign(new Error("cannot reach"), { remedy: "check the network" });
      },
    },
  ];
  const { events, reporter } = recorder();
  const { ok, results } = await runPreflight({ env: env(), layers: [] }, reporter, checks);
  assertEquals(ok, false);
  assertEquals(results.map((r) => r.status), ["warn", "fail", "fail"]);
  const thrown = events.find((e) => e.type === "preflight.result" && e.id === "throws");
  assertEquals(thrown, {
    type: "preflight.result",
    id: "throws",
    description: "t",
    status: "fail",
    message: "cannot reach",
    remedy: "check the network",
  });
  assertEquals((await runPreflight({ env: env(), layers: [] }, reporter, checks.slice(0, 1))).ok, true);
});

Deno.test("--skip-check=ID skips a check with a warning; an unknown id is warned about", async () => {
  let ran = false;
  const checks: Check[] = [{
    id: "lock",
    description: "l",
    run: () => {
      ran = true;
      return { status: "fail" };
    },
  }];
  const { reporter } = recorder();
  const { ok, results } = await runPreflight({ env: env(["lock", "nope"]), layers: [] }, reporter, checks);
  assert(ok && !ran);
  assertEquals(results, [
    { id: "lock", status: "warn", message: "skipped by --skip-check=lock" },
    { id: "nope", status: "warn", message: "--skip-check=nope names no check", remedy: undefined },
  ]);
});

Deno.test("checks run only for their layers, and beforeLayer checks only in the layer phase", async () => {
  const checks: Check[] = [
    { id: "always", description: "", run: () => ({ status: "pass" }) },
    { id: "services", description: "", layers: ["02-services"], run: () => ({ status: "pass" }) },
    {
      id: "before-01",
      description: "",
      layers: ["01-infrastructure"],
      beforeLayer: true,
      run: () => ({ status: "pass" }),
    },
  ];
  const ids = async (layers: LayerId[], phase: "run" | "layer") =>
    (await runPreflight({ env: env(), layers: layers.map(layer) }, recorder().reporter, checks, phase))
      .results
      .map((r) => r.id);
  assertEquals(await ids(["00-persistent-auth", "01-infrastructure"], "run"), ["always"]);
  assertEquals(await ids(["01-infrastructure", "02-services"], "run"), ["always", "services"]);
  assertEquals(await ids(["01-infrastructure"], "layer"), ["before-01"]);
  assertEquals(await ids(["02-services"], "layer"), []);
});

Deno.test("registering is one call; ids are unique", () => {
  const id = `test-${crypto.randomUUID()}`;
  const unregister = registerCheck({ id, description: "d", run: () => ({ status: "pass" }) });
  assert(registeredChecks().some((c) => c.id === id));
  let err: unknown;
  try {
    registerCheck({ id, description: "again", run: () => ({ status: "pass" }) });
  } catch (e) {
    err = e;
  }
  assert(String(err).includes(`duplicate preflight check ${id}`));
  unregister();
  assert(!registeredChecks().some((c) => c.id === id));
});
