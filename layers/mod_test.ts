import { assert, assertEquals } from "../tests/testing.ts";
import { LAYER_IDS } from "../lib/engine/types.ts";
import { ExitCode, UsageError } from "../lib/errors.ts";
import { layerById, LAYERS, parseLayer } from "./mod.ts";

Deno.test("the four layers, in bootstrap order, each with its command-line name", () => {
  assertEquals(LAYERS.map((l) => l.id), [...LAYER_IDS]);
  assertEquals(LAYERS.map((l) => l.name), ["persistent-auth", "infrastructure", "services", "configuration"]);
  for (const id of LAYER_IDS) assertEquals(layerById(id).id, id);
});

Deno.test("LAYER is a name, a number or a full id", () => {
  for (const [i, layer] of LAYERS.entries()) {
    for (const text of [layer.name, `0${i}`, layer.id]) assertEquals(parseLayer(text, "--only"), layer.id);
  }
});

Deno.test("an unknown LAYER is a usage error naming the accepted values", () => {
  for (const text of ["networking", "4", "04", "1", "Infrastructure", ""]) {
    let err: unknown;
    try {
      parseLayer(text, "--from");
    } catch (e) {
      err = e;
    }
    assert(err instanceof UsageError, text);
    assertEquals(err.exitCode, ExitCode.usage);
    assertEquals(err.message, `--from: unknown layer "${text}"`);
    assert(err.remedy?.includes("persistent-auth (00)") && err.remedy.includes("configuration (03)"));
  }
});
