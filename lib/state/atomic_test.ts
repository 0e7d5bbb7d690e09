import { assert, assertEquals } from "../../tests/testing.ts";
import { ensureDir, removeStaleTempFiles, writeFileAtomic } from "./atomic.ts";
import { StateStore } from "./store.ts";

const mode = (p: string) => Deno.statSync(p).mode! & 0o777;

Deno.test("writeFileAtomic writes the text with mode 0600 (or the one asked) and creates folders 0700", async () => {
  const dir = await Deno.makeTempDir();
  await writeFileAtomic(`${dir}/a/b/x.json`, "one");
  await writeFileAtomic(`${dir}/a/b/x.json`, "two");
  await writeFileAtomic(`${dir}/a/b/pub.crt`, "cert", { mode: 0o644 });
  assertEquals(Deno.readTextFileSync(`${dir}/a/b/x.json`), "two");
  assertEquals(
    [mode(`${dir}/a`), mode(`${dir}/a/b`), mode(`${dir}/a/b/x.json`), mode(`${dir}/a/b/pub.crt`)],
    [
      0o700,
      0o700,
      0o600,
      0o644,
    ],
  );
  assertEquals(
    [...Deno.readDirSync(`${dir}/a/b`)].map((e) => e.name).sort(),
    ["pub.crt", "x.json"],
    "no temp left",
  );
  await ensureDir(dir); // an existing folder is left as it is
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a failure before the rename leaves the old content and no temp file", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/x.json`;
  await writeFileAtomic(path, '{"old":true}');
  let threw = false;
  await writeFileAtomic(path, '{"new":true}', {
    beforeRename: () => {
      throw new Error("disk gone");
    },
  }).catch(() => threw = true);
  assert(threw);
  assertEquals(JSON.parse(Deno.readTextFileSync(path)), { old: true });
  assertEquals([...Deno.readDirSync(dir)].length, 1);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a process killed between temp write and rename leaves the old state readable", async () => {
  const dir = await Deno.makeTempDir();
  const env = { HOME: dir, XDG_CONFIG_HOME: dir };
  const state = await StateStore.open({ dir: `${dir}/.strata`, cluster: "c", env });
  await state.record("01-infrastructure", "vm.cp-1", { output: { vmid: 1101 } }, 5, 1);
  const path = state.layerPath("01-infrastructure");
  const before = Deno.readTextFileSync(path);

  // another process writes the next version of the document and dies (SIGKILL) just before the rename
  const next = JSON.stringify({ ...JSON.parse(before), steps: {} });
  const code = `
    import { writeFileAtomic } from ${JSON.stringify(new URL("./atomic.ts", import.meta.url).href)};
    await writeFileAtomic(${JSON.stringify(path)}, ${JSON.stringify(next)}, {
      beforeRename: () => Deno.kill(Deno.pid, "SIGKILL"),
    });
    console.log("renamed");`;
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  assertEquals([child.success, child.signal, new TextDecoder().decode(child.stdout)], [false, "SIGKILL", ""]);

  const names = [...Deno.readDirSync(`${dir}/.strata/c/layers`)].map((e) => e.name).sort();
  assertEquals(names.length, 2, "the document and the dead writer's temp file");
  assert(names[1].startsWith("01-infrastructure.json.tmp-"), names[1]);
  assertEquals(Deno.readTextFileSync(path), before);
  const reopened = await StateStore.open({ dir: `${dir}/.strata`, cluster: "c", env });
  assertEquals(reopened.step("vm.cp-1")?.output, { vmid: 1101 });

  // the next write under the lock clears the dead writer's temp file
  await reopened.record("01-infrastructure", "vm.cp-2", { output: { vmid: 1102 } }, 5, 2);
  assertEquals([...Deno.readDirSync(`${dir}/.strata/c/layers`)].map((e) => e.name), [
    "01-infrastructure.json",
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("removeStaleTempFiles keeps the temp files of live writers", async () => {
  const dir = await Deno.makeTempDir();
  Deno.writeTextFileSync(`${dir}/x.json.tmp-${Deno.pid}-0123abcd`, "");
  Deno.writeTextFileSync(`${dir}/x.json.tmp-999999999-0123abcd`, "");
  Deno.writeTextFileSync(`${dir}/x.json`, "");
  assertEquals(await removeStaleTempFiles(dir), ["x.json.tmp-999999999-0123abcd"]);
  assertEquals([...Deno.readDirSync(dir)].length, 2);
  assertEquals(await removeStaleTempFiles(`${dir}/missing`), []);
  await Deno.remove(dir, { recursive: true });
});
