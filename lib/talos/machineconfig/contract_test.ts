import { exitCodeOf } from "../../errors.ts";
import { assertEquals, assertMatch } from "../../../tests/testing.ts";
import { checkKubernetesVersion, DEFAULT_TALOS_VERSION, talosContract } from "./contract.ts";

function usage(fn: () => unknown, re: RegExp) {
  try {
    fn();
  } catch (err) {
    assertEquals(exitCodeOf(err), 2);
    assertMatch((err as Error).message, re);
    return;
  }
  throw new Error("expected a UsageError");
}

Deno.test("talosContract: v1.13.x is supported, others are config errors naming talos.version", () => {
  assertEquals(talosContract().minor, "v1.13");
  assertEquals(talosContract(DEFAULT_TALOS_VERSION).version, "v1.13.9");
  assertEquals(talosContract("1.13.0").version, "v1.13.0");
  usage(
    () => talosContract("v1.12.11"),
    /^talos\.version: strata generates machine configs for Talos v1\.13; v1\.12\.11 is not supported/,
  );
  usage(() => talosContract("latest"), /not a Talos version/);
});

Deno.test("checkKubernetesVersion: Talos 1.13 runs Kubernetes 1.31.0 to 1.36.x", () => {
  const c = talosContract("v1.13.9");
  for (const ok of ["v1.31.0", "v1.33.4", "v1.36.99", "1.35.1"]) checkKubernetesVersion(c, ok);
  usage(
    () => checkKubernetesVersion(c, "v1.30.9"),
    /^kubernetes\.version: Talos v1\.13 supports Kubernetes 1\.31\.0 to 1\.36\.x; v1\.30\.9 is outside/,
  );
  usage(() => checkKubernetesVersion(c, "v1.37.0"), /outside that range/);
  usage(() => checkKubernetesVersion(c, "1.33"), /not a version/);
});
