import { assertEquals } from "../../tests/testing.ts";
import { HostLimiter } from "./limiter.ts";

Deno.test("at most `limit` tasks run per host; hosts do not wait for each other", async () => {
  const limiter = new HostLimiter(2);
  const most: Record<string, number> = {};
  const gates: (() => void)[] = [];
  const job = (host: string) =>
    limiter.run(host, async () => {
      most[host] = Math.max(most[host] ?? 0, limiter.active(host));
      await new Promise<void>((r) => gates.push(r));
    });
  const all = Promise.all([job("a"), job("a"), job("a"), job("a"), job("b")]);
  for (let i = 0; i < 10; i++) await Promise.resolve();
  assertEquals(gates.length, 3, "two on a, one on b, two waiting");
  while (gates.length) {
    gates.shift()!();
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }
  await all;
  assertEquals(most, { a: 2, b: 1 });
  assertEquals([limiter.active("a"), limiter.active("b")], [0, 0]);
});
