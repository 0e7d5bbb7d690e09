import { assert, assertEquals, assertRejects } from "../../tests/testing.ts";
import { PreflightError } from "../errors.ts";
import { migrate, MIGRATIONS, STATE_FORMAT } from "./migrations.ts";
import { StateStore } from "./store.ts";

/** A layer document as strata wrote it in format 0 (checkpoints under `outputs`, no format field). */
const V0 = {
  layer: "01-infrastructure",
  completedAt: 1_700_000_000_000,
  outputs: {
    "proxmox.vm.cp-1": { at: 1_699_999_999_000, output: { vmid: 1101, node: "pve1" } },
    "proxmox.image": { at: 1_699_999_998_000 },
  },
};

function preflightError(f: () => unknown, text: string): void {
  try {
    f();
  } catch (err) {
    assert(err instanceof PreflightError && err.exitCode === 3, String(err));
    assert(err.message.includes(text), `${err.message} lacks ${text}`);
    return;
  }
  throw new Error("accepted");
}

Deno.test("every format below the current one has a migration", () => {
  for (let f = 0; f < STATE_FORMAT; f++) {
    assert(typeof MIGRATIONS[f] === "function", `no migration from ${f}`);
  }
});

Deno.test("format 0 → 1: outputs become step checkpoints with durations and hasSecret", () => {
  const doc = migrate(structuredClone(V0), "x.json", "01-infrastructure");
  assertEquals(doc, {
    layer: "01-infrastructure",
    completedAt: 1_700_000_000_000,
    format: 1,
    steps: {
      "proxmox.vm.cp-1": {
        at: 1_699_999_999_000,
        durationMs: 0,
        output: { vmid: 1101, node: "pve1" },
        hasSecret: false,
      },
      "proxmox.image": { at: 1_699_999_998_000, durationMs: 0, output: {}, hasSecret: false },
    },
  });
});

Deno.test("a format-0 file on disk is read, used, and rewritten as format 1 by the next change", async () => {
  const dir = await Deno.makeTempDir();
  const env = { HOME: dir };
  const path = `${dir}/c/layers/01-infrastructure.json`;
  Deno.mkdirSync(`${dir}/c/layers`, { recursive: true });
  Deno.writeTextFileSync(path, JSON.stringify(V0));
  const state = await StateStore.open({ dir, cluster: "c", env });
  assertEquals(state.step("proxmox.vm.cp-1")?.output, { vmid: 1101, node: "pve1" });
  assertEquals(JSON.parse(Deno.readTextFileSync(path)), V0, "opening does not rewrite the file");
  await state.record("01-infrastructure", "proxmox.vm.cp-2", { output: { vmid: 1102 } }, 10, 5);
  const written = JSON.parse(Deno.readTextFileSync(path));
  assertEquals([written.format, written.outputs, Object.keys(written.steps)], [
    1,
    undefined,
    ["proxmox.vm.cp-1", "proxmox.image", "proxmox.vm.cp-2"],
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a newer format asks for a newer strata; damaged documents name the file and the field", () => {
  preflightError(
    () => migrate({ format: STATE_FORMAT + 1, layer: "02-services", steps: {} }, "p.json"),
    "newer",
  );
  preflightError(() => migrate([], "p.json"), "p.json is damaged: it is not a JSON object");
  preflightError(() => migrate({ format: "1" }, "p.json"), 'format is "1"');
  preflightError(
    () => migrate({ format: 1, layer: "02-services", steps: [] }, "p.json"),
    "steps is not an object",
  );
  preflightError(
    () => migrate({ format: 1, layer: "02-services", steps: { a: { at: 1 } } }, "p.json"),
    "steps.a is not a checkpoint",
  );
  preflightError(
    () => migrate({ format: 1, layer: "02-services", steps: {} }, "p.json", "01-infrastructure"),
    "it is the document of layer 02-services",
  );
  preflightError(
    () => migrate({ format: 1, layer: "02-services", steps: {}, secrets: 5 }, "p.json"),
    "secrets",
  );
});

Deno.test("a file that is not JSON stops the open with its path (exit 3)", async () => {
  const dir = await Deno.makeTempDir();
  Deno.mkdirSync(`${dir}/c/layers`, { recursive: true });
  Deno.writeTextFileSync(`${dir}/c/layers/02-services.json`, '{"format": 1, "layer": "02-ser');
  const err = await assertRejects(() => StateStore.open({ dir, cluster: "c", env: { HOME: dir } }));
  assert(err instanceof PreflightError && err.message.includes("02-services.json is damaged"), String(err));
  await Deno.remove(dir, { recursive: true });
});
