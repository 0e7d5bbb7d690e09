import { assert, assertEquals } from "../../tests/testing.ts";
import { acquireLock, currentHolder, LockedError, type LockInfo, readLock } from "./lock.ts";

function lockedError(f: () => unknown): LockedError {
  try {
    f();
  } catch (err) {
    assert(err instanceof LockedError, `expected LockedError, got ${err}`);
    return err;
  }
  throw new Error("the lock was taken");
}

/** A separate strata-like process that takes the lock and holds it until its stdin closes. */
async function holder(path: string) {
  const code = `
    import { acquireLock } from ${JSON.stringify(new URL("./lock.ts", import.meta.url).href)};
    acquireLock(${JSON.stringify(path)}, "bootstrap");
    console.log("locked");
    for await (const _ of Deno.stdin.readable) { /* hold until stdin closes */ }`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  assertEquals(value?.trim(), "locked");
  return {
    pid: child.pid,
    kill: async () => {
      child.kill("SIGKILL");
      await child.status;
      await reader.cancel();
      await child.stdin.close().catch(() => undefined);
    },
  };
}

Deno.test("a live run in another process holds the lock: exit 3 naming it; once it dies the lock is stale", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/c/lock`;
  const other = await holder(path);
  try {
    const live = lockedError(() => acquireLock(path, "destroy"));
    assertEquals([live.stale, live.exitCode, live.holder.pid, live.holder.command], [
      false,
      3,
      other.pid,
      "bootstrap",
    ]);
    assert(live.message.includes(`pid ${other.pid}`) && live.message.includes(Deno.hostname()), live.message);
    assert(live.remedy!.includes("wait for it"), live.remedy);
    assertEquals(readLock(path)?.stale, false);
  } finally {
    await other.kill();
  }
  const stale = lockedError(() => acquireLock(path, "bootstrap"));
  assert(stale.stale && stale.message.includes("no longer running"), stale.message);
  assertEquals(
    stale.remedy,
    `that run died without releasing the lock; check no strata run is active, then remove ${path}`,
  );
  Deno.removeSync(path); // what the remedy says
  acquireLock(path, "bootstrap")();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the lock records pid, host, start time and command; release removes only our own lock", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/lock`;
  const release = acquireLock(path, "bootstrap");
  const info = JSON.parse(Deno.readTextFileSync(path)) as LockInfo;
  assertEquals([info.pid, info.host, info.command], [Deno.pid, Deno.hostname(), "bootstrap"]);
  assert(!Number.isNaN(Date.parse(info.startedAt)));
  assertEquals(Deno.statSync(path).mode! & 0o777, 0o600);
  lockedError(() => acquireLock(path, "bootstrap")); // also within one process
  release();
  release();
  assertEquals(readLock(path), undefined);

  const mine = acquireLock(path, "bootstrap");
  Deno.removeSync(path); // cleared by hand, then taken by another run
  const theirs = { ...currentHolder("destroy"), pid: 1, startedAt: "2020-01-01T00:00:00.000Z" };
  Deno.writeTextFileSync(path, JSON.stringify(theirs));
  mine();
  assertEquals(readLock(path)?.holder.command, "destroy", "someone else's lock is left alone");
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["lock"], "no temp files left");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("stale detection: a reused pid or another boot is stale; another host cannot be judged", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/lock`;
  const me = currentHolder("bootstrap");
  const cases: [Partial<LockInfo>, boolean][] = [
    [{}, false],
    [{ pid: 999_999_999 }, true],
    ...(me.processStart ? [[{ processStart: "1" }, true] as [Partial<LockInfo>, boolean]] : []),
    ...(me.bootId ? [[{ bootId: "another-boot" }, true] as [Partial<LockInfo>, boolean]] : []),
    [{ host: "elsewhere", pid: 999_999_999 }, false],
  ];
  for (const [change, stale] of cases) {
    Deno.writeTextFileSync(path, JSON.stringify({ ...me, ...change }));
    assertEquals(readLock(path)?.stale, stale, JSON.stringify(change));
  }
  const remote = lockedError(() => acquireLock(path, "bootstrap"));
  assert(
    !remote.stale && remote.remedy!.includes("elsewhere") && remote.remedy!.includes(path),
    remote.remedy,
  );
  Deno.writeTextFileSync(path, "{ half a lock");
  const unreadable = lockedError(() => acquireLock(path, "bootstrap"));
  assert(unreadable.stale && unreadable.remedy!.includes(path));
  await Deno.remove(dir, { recursive: true });
});
