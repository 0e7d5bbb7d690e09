import { assert, assertEquals, assertRejects } from "../testing.ts";
import { PreflightError, UsageError } from "../../lib/errors.ts";
import { parseConfig } from "../../lib/config/load.ts";
import { type LabEmulator, labWorldInUse, openLab } from "../../lab/mod.ts";
import { ScaledClock } from "../../lib/clock/clock.ts";

const config = parseConfig(
  Deno.readTextFileSync(new URL("../../examples/lab.yaml", import.meta.url)),
  "lab.yaml",
).config;

/** A tiny emulator: an HTTP server on a node's loopback twin that traces every request. */
const echo: LabEmulator = {
  system: "echo",
  start(lab) {
    const server = Deno.serve({ hostname: "127.0.1.11", port: 0, onListen() {} }, async (req) => {
      await lab.clock.sleep(lab.profile.apiCall.max);
      const url = new URL(req.url);
      lab.trace.record({
        system: "echo",
        method: req.method,
        path: url.pathname,
        params: Object.fromEntries(url.searchParams),
        status: 200,
      });
      const state = lab.world.section("echo", () => ({ hits: 0 }));
      state.hits++;
      await lab.world.save();
      return new Response("ok");
    });
    return Promise.resolve([{
      name: "echo",
      endpoints: [`http://127.0.1.11:${server.addr.port}`],
      close: () => server.shutdown(),
    }]);
  },
};

Deno.test("the lab runs emulators on loopback, traces requests as JSON lines, and persists the world", async () => {
  const dir = await Deno.makeTempDir();
  const traceFile = `${dir}/trace.jsonl`;
  const lab = await openLab({ stateDir: dir, config, traceFile, emulators: [echo] });
  assert(lab.clock instanceof ScaledClock);
  await lab.start();
  const [handle] = lab.endpoints();
  assert(handle.endpoints[0].startsWith("http://127.0.1.11:"));
  await (await fetch(`${handle.endpoints[0]}/api?x=1`)).text();
  await lab.remember("test");
  await lab.close();
  const lines = Deno.readTextFileSync(traceFile).trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(lines, [{ system: "echo", method: "GET", path: "/api", params: { x: "1" }, status: 200 }]);

  const again = await openLab({ stateDir: dir, config, emulators: [] });
  assertEquals(again.world.section("echo", () => ({ hits: 0 })).hits, 1);
  assertEquals(again.meta.runs.map((r) => r.command), ["test"]);
  await again.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fault injection is seeded: the same seed replays the same faults", () => {
  const faulty = {
    ...config,
    lab: { ...config.lab, faults: { proxmox: { errorRate: 0.3, dropRate: 0.1 } } },
  };
  const run = async () => {
    const lab = await openLab({ stateDir: "/nonexistent", config: faulty, emulators: [] });
    const f = lab.faults("proxmox");
    return Array.from({ length: 50 }, () => f.next().kind);
  };
  return Promise.all([run(), run()]).then(([a, b]) => {
    assertEquals(a, b);
    assert(a.includes("error") && a.includes("drop") && a.includes("none"));
  });
});

Deno.test("an emulator that cannot listen (another lab holds its address) is exit 3 with the fix", async () => {
  const holder = Deno.listen({ hostname: "127.0.1.11", port: 0 });
  const port = (holder.addr as Deno.NetAddr).port;
  const clashing: LabEmulator = {
    system: "clash",
    start() {
      const server = Deno.serve({ hostname: "127.0.1.11", port, onListen() {} }, () => new Response());
      return Promise.resolve([{ name: "clash", endpoints: [], close: () => server.shutdown() }]);
    },
  };
  const dir = await Deno.makeTempDir();
  const lab = await openLab({ stateDir: dir, config, emulators: [clashing] });
  try {
    await assertRejects(() => lab.start(), (err) => {
      assert(err instanceof PreflightError, String(err));
      assertEquals(err.exitCode, 3);
      assert(err.message.includes("the clash emulator cannot listen"), err.message);
      assert(err.remedy?.includes("another lab is running on this machine"), err.remedy);
    });
  } finally {
    await lab.close();
    holder.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("one lab serves a world at a time; a lock left by a dead lab is cleared", async () => {
  const dir = await Deno.makeTempDir();
  const first = await openLab({ stateDir: dir, config, emulators: [] });
  await first.start();
  assertEquals(labWorldInUse(`${dir}/lab`)?.pid, Deno.pid);
  const second = await openLab({ stateDir: dir, config, emulators: [] });
  await assertRejects(() => second.start(), (err) => {
    assert(err instanceof PreflightError, String(err));
    assert(err.message.includes(`is in use by pid ${Deno.pid}`), err.message);
  });
  await first.close();
  assertEquals(labWorldInUse(`${dir}/lab`), undefined, "closing releases the world");
  // a lab that died (SIGKILL) leaves its lock behind; the next one takes over
  const dead = new Deno.Command("true").spawn();
  await dead.status;
  Deno.writeTextFileSync(
    `${dir}/lab/lock`,
    JSON.stringify({ pid: dead.pid, host: Deno.hostname(), startedAt: "t", command: "lab" }),
  );
  assertEquals(labWorldInUse(`${dir}/lab`), undefined);
  await second.start();
  await second.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a node IP that cannot map onto loopback is a usage error naming the field", async () => {
  const bad = { ...config, nodes: config.nodes.map((n, i) => i === 1 ? { ...n, ip: "10.0.0.1" } : n) };
  await assertRejects(() => openLab({ stateDir: "/nonexistent", config: bad, emulators: [] }), (err) => {
    assert(err instanceof UsageError, String(err));
    assert(err.message.startsWith("lab: nodes[1].ip: 10.0.0.1 maps onto 127.0.0.1"), err.message);
  });
});
