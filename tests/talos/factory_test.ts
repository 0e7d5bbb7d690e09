/** The Image Factory client against the lab's factory emulator. */
import { ScaledClock } from "../../lib/clock/clock.ts";
import { exitCodeOf, isTransient, StrataError } from "../../lib/errors.ts";
import { ImageFactoryClient } from "../../lib/talos/factory/client.ts";
import { diskImage, installerImage } from "../../lib/talos/factory/image.ts";
import { schematicFor, schematicId } from "../../lib/talos/factory/schematic.ts";
import { Faults } from "../../lab/faults.ts";
import { PROFILES } from "../../lab/profile.ts";
import { seededRandom } from "../../lab/random.ts";
import { type FactoryEmulatorOptions, startFactoryEmulator } from "../../lab/factory/server.ts";
import { TraceLog } from "../../lab/trace.ts";
import { LabWorld } from "../../lab/world.ts";
import { assert, assertEquals, assertMatch, assertRejects } from "../testing.ts";

async function withFactory(
  fn: (client: ImageFactoryClient, trace: TraceLog) => Promise<void>,
  extra: Partial<FactoryEmulatorOptions> = {},
) {
  const trace = new TraceLog();
  const f = await startFactoryEmulator({
    world: LabWorld.memory(),
    clock: new ScaledClock(1000),
    profile: PROFILES.fast,
    random: seededRandom(7),
    trace,
    address: "127.0.0.9",
    port: 0,
    ...extra,
  });
  try {
    await fn(new ImageFactoryClient({ url: f.url + "/" }), trace);
  } finally {
    await f.close();
  }
}

Deno.test("schematic id: stable for the same extensions in any order, different when they change, equal to the real factory's", async () => {
  await withFactory(async (factory) => {
    const a = await factory.createSchematic(
      schematicFor(["siderolabs/qemu-guest-agent", "siderolabs/iscsi-tools"]),
    );
    const b = await factory.createSchematic(
      schematicFor(["siderolabs/iscsi-tools", "siderolabs/qemu-guest-agent"]),
    );
    assertEquals(a.id, b.id);
    assertEquals(a.id, "dc7b152cb3ea99b821fcb7340ce7168313ce393d663740b791c36f6e95fc8586");
    const c = await factory.createSchematic(schematicFor(["siderolabs/qemu-guest-agent"]));
    assertEquals(c.id, "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515");
    assert(c.id !== a.id);
    assertMatch((await factory.getSchematic(c.id))!, /siderolabs\/qemu-guest-agent/);
    assertEquals(await factory.getSchematic("0".repeat(64)), undefined);
  });
});

Deno.test("unknown extensions are a config error (exit 2) before any schematic is made", async () => {
  await withFactory(async (factory, trace) => {
    await factory.checkExtensions("v1.13.9", ["siderolabs/qemu-guest-agent", "siderolabs/iscsi-tools"]);
    const err = await assertRejects(() =>
      factory.checkExtensions("v1.13.9", ["siderolabs/qemu-guest-agnet"])
    );
    assertEquals(exitCodeOf(err), 2);
    assertMatch(
      (err as Error).message,
      /talos\.extensions: siderolabs\/qemu-guest-agnet \(did you mean siderolabs\/qemu-guest-agent\?\)/,
    );
    assert(!trace.entries.some((e) => e.method === "POST"));
    const versionErr = await assertRejects(() => factory.checkExtensions("v1.99.0", []));
    assertMatch((versionErr as Error).message, /404 version 1\.99\.0 is not available/);
  });
});

Deno.test("image URLs the client derives are served; checksum computed on the community edition, read from the sidecar on Enterprise", async () => {
  for (const edition of ["community", "enterprise"] as const) {
    await withFactory(async (factory) => {
      const { id } = await factory.createSchematic(schematicFor(["siderolabs/qemu-guest-agent"]));
      const image = diskImage({ factory: factory.url, schematic: id, version: "v1.13.9" });
      const res = await fetch(image.url);
      const bytes = new Uint8Array(await res.arrayBuffer());
      assertEquals(res.status, 200);
      const sum = await factory.imageChecksum(image.url);
      const expected = Array.from(
        new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
        (b) => b.toString(16).padStart(2, "0"),
      ).join("");
      assertEquals(sum.value, expected);
      assertEquals(sum.source, edition === "community" ? "computed" : "factory");
      if (edition === "community") assertEquals(sum.size, bytes.length);
      assertMatch(
        installerImage(factory.url, id, "v1.13.9"),
        /^127\.0\.0\.9:\d+\/nocloud-installer\/ce4c9805.*:v1\.13\.9$/,
      );
    }, { edition });
  }
});

Deno.test("an image of a schematic with an extension the version lacks fails with the factory's message", async () => {
  await withFactory(async (factory) => {
    const { id } = await factory.createSchematic(schematicFor(["siderolabs/not-an-extension"]));
    const err = await assertRejects(() =>
      factory.imageChecksum(diskImage({ factory: factory.url, schematic: id, version: "v1.13.9" }).url)
    );
    assert(err instanceof StrataError && !isTransient(err));
    assertMatch(
      (err as Error).message,
      /400 error enhancing profile from schematic: official extension "siderolabs\/not-an-extension" is not available/,
    );
  });
});

Deno.test("transient failures: 503 from the factory and an unreachable factory are retryable", async () => {
  await withFactory(async (factory) => {
    const err = await assertRejects(() => factory.versions());
    assert(isTransient(err), String(err));
  }, { faults: new Faults({ errorRate: 1 }) });
  const closed = await startFactoryEmulator({
    world: LabWorld.memory(),
    clock: new ScaledClock(1000),
    profile: PROFILES.fast,
    random: seededRandom(1),
    trace: new TraceLog(),
    address: "127.0.0.9",
    port: 0,
  });
  await closed.close();
  const err = await assertRejects(() => new ImageFactoryClient({ url: closed.url }).versions());
  assert(isTransient(err), String(err));
  assertMatch((err as Error).message, /is not reachable/);
});

Deno.test("a factory that names the schematic differently is caught", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.9", port: 0, onListen() {} },
    () => new Response(JSON.stringify({ id: "f".repeat(64) }), { status: 201 }),
  );
  try {
    const client = new ImageFactoryClient({ url: `http://127.0.0.9:${server.addr.port}` });
    const err = await assertRejects(() => client.createSchematic(schematicFor([])));
    assertMatch((err as Error).message, new RegExp(`expected ${await schematicId(schematicFor([]))}`));
  } finally {
    await server.shutdown();
  }
});
