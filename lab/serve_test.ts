import { assert, assertEquals, assertRejects } from "../tests/testing.ts";
import { parseConfig } from "../lib/config/load.ts";
import { RefusedError } from "../lib/errors.ts";
import { openLab } from "./mod.ts";
import { resetLab, serveLab } from "./serve.ts";

const { config } = parseConfig(
  Deno.readTextFileSync(new URL("../examples/lab.yaml", import.meta.url)),
  "lab.yaml",
);

Deno.test("serve prints each emulator's endpoints, waits for the signal, and is remembered", async () => {
  const dir = await Deno.makeTempDir();
  const lab = await openLab({
    stateDir: dir,
    config,
    emulators: [{
      system: "echo",
      start: () =>
        Promise.resolve([{ name: "echo pve1", endpoints: ["http://127.0.0.10:1"], close: async () => {} }]),
    }],
  });
  await lab.start();
  const lines: string[] = [];
  const ctl = new AbortController();
  const serving = serveLab(lab, { json: false, write: (l) => lines.push(l), signal: ctl.signal });
  await new Promise((r) => setTimeout(r, 10));
  assertEquals(lines, [
    `lab world ${dir}/lab (profile fast)`,
    "  echo pve1  http://127.0.0.10:1",
    "Ctrl-C stops the lab.",
  ]);
  ctl.abort();
  const served = await serving;
  assertEquals(served.emulators, [{ name: "echo pve1", endpoints: ["http://127.0.0.10:1"] }]);
  // reset is refused while the world is served, and wipes it after
  await assertRejects(
    () => resetLab(`${dir}/lab`),
    (err) => assert(err instanceof RefusedError, String(err)),
  );
  assert(Deno.statSync(`${dir}/lab/world.json`).isFile);
  await lab.close();
  const again = await openLab({ stateDir: dir, config, emulators: [] });
  assertEquals(again.meta.runs.map((r) => r.command), ["lab serve"]);
  await resetLab(`${dir}/lab`);
  assertEquals([...Deno.readDirSync(dir)], []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("serve --json prints one parseable line", async () => {
  const lab = await openLab({ stateDir: await Deno.makeTempDir(), config, emulators: [] });
  const lines: string[] = [];
  const ctl = new AbortController();
  ctl.abort();
  await serveLab(lab, { json: true, write: (l) => lines.push(l), signal: ctl.signal });
  assertEquals(lines.length, 1);
  assertEquals(JSON.parse(lines[0]).emulators, []);
  await Deno.remove(lab.dir.slice(0, -"/lab".length), { recursive: true });
});
