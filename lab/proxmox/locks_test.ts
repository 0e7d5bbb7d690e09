import { assert, assertEquals } from "../../tests/testing.ts";
import { ManualClock } from "../../lib/clock/clock.ts";
import { PerlDie } from "./exception.ts";
import { ConfigLocks } from "./locks.ts";

Deno.test("a VM's config lock: the second holder waits, then gets it when the first lets go", async () => {
  const clock = new ManualClock();
  const locks = new ConfigLocks(clock);
  const order: string[] = [];
  let release!: () => void;
  const first = locks.withLock(
    101,
    10,
    () => new Promise<void>((r) => release = () => (order.push("first"), r())),
  );
  const log: string[] = [];
  const second = locks.withLock(101, 10, () => void order.push("second"), (l) => log.push(l));
  await clock.advance(5_000);
  assertEquals(order, []);
  release();
  await Promise.all([first, second]);
  assertEquals(order, ["first", "second"]);
  assertEquals(log, ["trying to acquire lock... OK"]);
  assert(!locks.isLocked(101));
});

Deno.test("waiting longer than the timeout fails with PVE's message; other VMs are not blocked", async () => {
  const clock = new ManualClock();
  const locks = new ConfigLocks(clock);
  let release!: () => void;
  const holder = locks.withLock(101, 10, () => new Promise<void>((r) => release = r));
  await locks.withLock(102, 10, () => {});
  const waiter = locks.withLock(101, 10, () => {}).then(() => undefined, (e) => e);
  await clock.advance(9_999);
  await clock.advance(1);
  const err = await waiter;
  assert(err instanceof PerlDie, String(err));
  assertEquals(err.text, "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout\n");
  release();
  await holder;
  assert(!locks.isLocked(101));
});
