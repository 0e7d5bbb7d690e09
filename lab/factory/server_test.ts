import { createHash } from "node:crypto";
import { ScaledClock } from "../../lib/clock/clock.ts";
import { schematicFor, schematicId } from "../../lib/talos/factory/schematic.ts";
import { assert, assertEquals, assertMatch } from "../../tests/testing.ts";
import { Faults } from "../faults.ts";
import { PROFILES } from "../profile.ts";
import { seededRandom } from "../random.ts";
import { TraceLog } from "../trace.ts";
import { LabWorld } from "../world.ts";
import { type FactoryEmulatorOptions, type FactoryWorld, startFactoryEmulator } from "./server.ts";

const QGA = "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515";

async function withFactory(
  fn: (url: string, trace: TraceLog, world: LabWorld) => Promise<void>,
  extra: Partial<FactoryEmulatorOptions> = {},
) {
  const trace = new TraceLog();
  const world = extra.world ?? LabWorld.memory();
  const f = await startFactoryEmulator({
    world,
    clock: new ScaledClock(1000),
    profile: PROFILES.fast,
    random: seededRandom(1),
    trace,
    address: "127.0.0.9",
    port: 0,
    ...extra,
  });
  try {
    await fn(f.url, trace, world);
  } finally {
    await f.close();
  }
}

async function post(url: string, body: string) {
  const res = await fetch(`${url}/schematics`, { method: "POST", body });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

async function get(url: string, method = "GET") {
  const res = await fetch(url, { method });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: new TextDecoder().decode(bytes) };
}

Deno.test("POST /schematics: 201 with the content-addressed id and canonical YAML; the same schematic, the same id", async () => {
  await withFactory(async (url, trace, world) => {
    const a = await post(
      url,
      "customization:\n  systemExtensions:\n    officialExtensions: [siderolabs/qemu-guest-agent]",
    );
    assertEquals(a.status, 201);
    assertEquals(a.type, "application/json");
    assertEquals(JSON.parse(a.text), {
      id: QGA,
      schematic:
        "customization:\n    systemExtensions:\n        officialExtensions:\n            - siderolabs/qemu-guest-agent\n",
    });
    const b = await post(
      url,
      '{"customization":{"systemExtensions":{"officialExtensions":["siderolabs/qemu-guest-agent"]}}}',
    );
    assertEquals(JSON.parse(b.text).id, QGA);
    const other = await post(
      url,
      "customization:\n  systemExtensions:\n    officialExtensions: [siderolabs/iscsi-tools]",
    );
    assert(JSON.parse(other.text).id !== QGA);
    const stored = await get(`${url}/schematics/${QGA}`);
    assertEquals(stored.status, 200);
    assertEquals(stored.headers.get("content-type"), "application/yaml");
    assertMatch(stored.text, /officialExtensions:\n {12}- siderolabs\/qemu-guest-agent\n$/);
    assert(world.section<FactoryWorld>("factory", () => ({ schematics: {} })).schematics[QGA] !== undefined);
    assert(trace.entries.every((e) => e.system === "factory"));
    assertEquals(trace.entries[0].status, 201);
  });
});

Deno.test("POST /schematics refuses what the factory refuses (400, plain text)", async () => {
  await withFactory(async (url) => {
    const cases: [string, RegExp][] = [
      [
        "something:",
        /^yaml: construct errors: line 1: field something not found in type schematic\.Schematic\n$/,
      ],
      [
        "customization:\n  extensions: [siderolabs/zfs]",
        /field extensions not found in type schematic\.Customization/,
      ],
      ["owner: bob", /^owner field is only supported in Enterprise edition\n$/],
      ["customization:\n  meta: [{key: 256, value: x}]", /cannot construct !!int `256` into uint8/],
      ["customization: [", /^yaml: line/],
    ];
    for (const [body, re] of cases) {
      const r = await post(url, body);
      assertEquals(r.status, 400, body);
      assertEquals(r.type, "text/plain; charset=utf-8");
      assertMatch(r.text, re);
    }
    // like the real factory, extension names are not checked until an image is built
    assertEquals(
      (await post(url, "customization:\n  systemExtensions:\n    officialExtensions: [acme/nope]")).status,
      201,
    );
  });
});

Deno.test("GET /image: deterministic bytes per schematic, version and path; real 404/400/500 answers", async () => {
  await withFactory(async (url) => {
    await post(
      url,
      "customization:\n  systemExtensions:\n    officialExtensions: [siderolabs/qemu-guest-agent]",
    );
    const unknownExt = JSON.parse(
      (await post(url, "customization:\n  systemExtensions:\n    officialExtensions: [siderolabs/nope]"))
        .text,
    ).id;
    const alias = JSON.parse(
      (await post(
        url,
        "customization:\n  systemExtensions:\n    officialExtensions: [siderolabs/i915-ucode]",
      )).text,
    ).id;
    const img = `${url}/image/${QGA}/v1.13.9/nocloud-amd64.qcow2`;
    const a = await get(img);
    const b = await get(img);
    assertEquals(a.status, 200);
    assertEquals(a.headers.get("content-type"), "application/x-qemu-disk");
    assertEquals(a.headers.get("content-disposition"), 'attachment; filename="nocloud-amd64.qcow2"');
    assertEquals(Number(a.headers.get("content-length")), a.bytes.length);
    assert(a.bytes.length < 64 * 1024, "small");
    assertEquals(Array.from(a.bytes.slice(0, 4)), [0x51, 0x46, 0x49, 0xfb]); // qcow2 magic
    assertEquals(sha(a.bytes), sha(b.bytes));
    assert(sha((await get(`${url}/image/${QGA}/v1.13.8/nocloud-amd64.qcow2`)).bytes) !== sha(a.bytes));
    assert(sha((await get(`${url}/image/${QGA}/v1.13.9/nocloud-amd64.raw`)).bytes) !== sha(a.bytes));
    const head = await get(img, "HEAD");
    assertEquals([head.status, head.bytes.length, head.headers.get("content-length")], [
      200,
      0,
      String(a.bytes.length),
    ]);
    assertEquals(
      (await get(`${url}/image/${QGA}/1.13.9/nocloud-amd64.raw.xz`)).headers.get("content-type"),
      "application/x-xz",
    );
    assertEquals((await get(`${url}/image/${alias}/v1.13.9/nocloud-amd64.raw`)).status, 200);

    const expect = async (path: string, status: number, re: RegExp) => {
      const r = await get(`${url}${path}`);
      assertEquals(r.status, status, path);
      assertMatch(r.text, re);
    };
    await expect(
      `/image/${"a".repeat(64)}/v1.13.9/nocloud-amd64.raw`,
      404,
      /^schematic ID "a{64}" not found\n$/,
    );
    await expect(`/image/${QGA}/v1.99.0/nocloud-amd64.raw`, 404, /version 1\.99\.0 is not available\n$/);
    await expect(`/image/${QGA}/v1.13/nocloud-amd64.raw`, 500, /^internal server error\n$/);
    await expect(
      `/image/${QGA}/v1.13.9/nocloud-amd64.vhdx`,
      400,
      /invalid profile path: "nocloud-amd64\.vhdx"/,
    );
    await expect(`/image/${QGA}/v1.13.9/nocloud-riscv.raw`, 400, /invalid architecture: "riscv"/);
    await expect(
      `/image/${unknownExt}/v1.13.9/nocloud-amd64.raw`,
      400,
      /official extension "siderolabs\/nope" is not available for Talos version v1\.13\.9\n$/,
    );
    // the public factory is the community edition: checksum sidecars are an Enterprise feature
    await expect(`/image/${QGA}/v1.13.9/nocloud-amd64.raw.sha256`, 402, /enterprise not enabled/);
    await expect(`/schematics/${"b".repeat(64)}`, 404, /^schematic not found\n$/);
    await expect(`/nothing`, 404, /^404 page not found\n$/);
    await expect(`/schematics`, 405, /Method Not Allowed/);
  });
});

Deno.test("enterprise edition serves checksum sidecars that match the image", async () => {
  await withFactory(async (url) => {
    await post(
      url,
      "customization:\n  systemExtensions:\n    officialExtensions: [siderolabs/qemu-guest-agent]",
    );
    const image = await get(`${url}/image/${QGA}/v1.13.9/nocloud-amd64.raw`);
    const sum = await get(`${url}/image/${QGA}/v1.13.9/nocloud-amd64.raw.sha256`);
    assertEquals(sum.status, 200);
    assertEquals(sum.text, `${sha(image.bytes)}  nocloud-amd64.raw\n`);
    const sum512 = await get(`${url}/image/${QGA}/v1.13.9/nocloud-amd64.raw.sha512?filename=talos.raw`);
    assertEquals(sum512.text, `${createHash("sha512").update(image.bytes).digest("hex")}  talos.raw\n`);
  }, { edition: "enterprise" });
});

Deno.test("versions and official extensions; unknown version is 404", async () => {
  await withFactory(async (url) => {
    const versions = JSON.parse((await get(`${url}/versions`)).text);
    assert(versions.includes("v1.13.9") && versions.includes("v1.12.0"));
    const ext = JSON.parse((await get(`${url}/version/v1.13.9/extensions/official`)).text);
    const qga = ext.find((e: { name: string }) => e.name === "siderolabs/qemu-guest-agent");
    assertMatch(qga.ref, /^ghcr\.io\/siderolabs\/qemu-guest-agent:/);
    assertMatch(qga.digest, /^sha256:[0-9a-f]{64}$/);
    assertEquals((await get(`${url}/version/v1.99.0/extensions/official`)).status, 404);
  });
});

Deno.test("schematics persist in the world: a restarted factory still serves them", async () => {
  const world = LabWorld.memory();
  await withFactory(async (url) => {
    await post(url, "customization: {}");
  }, { world });
  await withFactory(async (url) => {
    const id = await schematicId(schematicFor([]));
    assertEquals((await get(`${url}/image/${id}/v1.13.9/nocloud-amd64.raw`)).status, 200);
  }, { world });
});

Deno.test("injected faults: 503 answers and dropped connections", async () => {
  await withFactory(async (url, trace) => {
    const r = await post(url, "customization: {}");
    assertEquals(r.status, 503);
    assertEquals(trace.entries[0].status, 503);
  }, { faults: new Faults({ errorRate: 1 }) });
  await withFactory(async (url, trace) => {
    let failed = false;
    try {
      await (await fetch(`${url}/versions`)).text();
    } catch {
      failed = true;
    }
    assert(failed, "the connection breaks");
    assertEquals(trace.entries[0].status, "dropped");
  }, { faults: new Faults({ dropRate: 1 }) });
});

function sha(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
