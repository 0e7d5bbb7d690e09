/**
 * The lab as separate commands see it: `lab serve` in the foreground, `--lab-trace`, and the
 * world carried from one command to the next.
 */
import { assert, assertEquals } from "../testing.ts";
import { readAll, readUntil, strata, strataCommand, tempWorkdir } from "../cli/run.ts";
import { isLoopback } from "../../lab/address.ts";

Deno.test("lab serve prints loopback endpoints that answer, runs until Ctrl-C, and exits 0", async () => {
  const cwd = await tempWorkdir();
  const child = strataCommand(cwd, ["lab", "serve", "--json"]).spawn();
  const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const err = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  try {
    seen = await readUntil(out, "\n");
  } catch (e) {
    const stderr = await readAll(err);
    await child.status;
    throw new Error(`${(e as Error).message}\nstderr: ${stderr}`);
  }
  const served = JSON.parse(seen.split("\n")[0]) as {
    world: string;
    emulators: { name: string; endpoints: string[] }[];
  };
  assertEquals(served.world, ".strata/lab");
  const names = served.emulators.map((e) => e.name);
  for (const expected of ["factory", "ssh pve1", "proxmox pve1"]) {
    assert(names.includes(expected), names.join());
  }
  for (const endpoint of served.emulators.flatMap((e) => e.endpoints)) {
    assert(isLoopback(new URL(endpoint).hostname), `${endpoint} is not loopback`);
  }
  // a person can point a client at them: the Proxmox API answers (401 without a token, as PVE does)
  const proxmox = served.emulators.find((e) => e.name === "proxmox pve1")!.endpoints[0];
  const factory = served.emulators.find((e) => e.name === "factory")!.endpoints[0];
  assertEquals(
    (await fetch(`${factory}/versions`).then(async (r) => (await r.body?.cancel(), r))).status,
    200,
  );
  // over TLS verified against the host's root CA, which the lab keeps in its persisted world
  const world = JSON.parse(Deno.readTextFileSync(`${cwd}/.strata/lab/world.json`));
  const client = Deno.createHttpClient({ caCerts: [world.sections.proxmox.hosts.pve1.caPem] });
  try {
    const r = await fetch(`${proxmox}/version`, { client });
    await r.body?.cancel();
    assertEquals(r.status, 401, "no token: PVE answers 401");
  } finally {
    client.close();
  }
  child.kill("SIGINT");
  await readAll(out);
  await readAll(err);
  assertEquals((await child.status).code, 0);
  const status = JSON.parse((await strata(cwd, "status", "--lab", "--json")).stdout);
  assertEquals(status.lab.runs, 1, "the serve run is remembered in the world");
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("--lab-trace writes one JSON line per emulator request; the next command sees the same world", async () => {
  const cwd = await tempWorkdir();
  const first = await strata(cwd, "bootstrap", "--lab", "--only=00", "--lab-trace", "t1.jsonl");
  assertEquals(first.code, 0, first.stdout + first.stderr);
  const lines = Deno.readTextFileSync(`${cwd}/t1.jsonl`).trim().split("\n").map((l) => JSON.parse(l));
  assert(lines.length > 3, `${lines.length} trace lines`);
  for (const l of lines) {
    assertEquals(typeof l.system, "string");
    assertEquals(typeof l.method, "string");
    assertEquals(typeof l.path, "string");
    assertEquals(typeof l.params, "object");
    assert(typeof l.status === "number" || typeof l.status === "string", JSON.stringify(l));
  }
  // layer 00 creates the Proxmox user over SSH with pveum
  const created = lines.filter((l) => l.system === "ssh" && /^pveum user add strata@pve/.test(l.path));
  assertEquals(created.length, 1, JSON.stringify(lines.map((l) => l.path)));

  // a second command against the same world finds the user there and does not create it again
  const second = await strata(cwd, "bootstrap", "--lab", "--only=00", "--lab-trace", "t2.jsonl");
  assertEquals(second.code, 0, second.stdout + second.stderr);
  const again = Deno.readTextFileSync(`${cwd}/t2.jsonl`).trim().split("\n").map((l) => JSON.parse(l));
  assert(again.some((l) => l.system === "ssh"), "the second run talked to the lab");
  assertEquals(again.filter((l) => /^pveum user add/.test(l.path)).length, 0, "nothing was created twice");
  await Deno.remove(cwd, { recursive: true });
});
