import { assert } from "../../tests/testing.ts";
import { ScaledClock } from "./clock.ts";

Deno.test("ScaledClock.sleep never resolves before its virtual time has come", async () => {
  const clock = new ScaledClock(50);
  for (let i = 0; i < 60; i++) {
    const ms = 5 + (i % 7) * 13;
    const until = clock.now() + ms;
    await clock.sleep(ms);
    const now = clock.now();
    assert(now >= until, `woke ${until - now} virtual ms early`);
  }
});

Deno.test("ScaledClock.sleep stops when its signal aborts", async () => {
  const clock = new ScaledClock(1);
  const ctl = new AbortController();
  const slept = clock.sleep(60_000, ctl.signal);
  ctl.abort(new Error("stop"));
  let error: unknown;
  await slept.catch((e) => error = e);
  assert(error instanceof Error && error.message === "stop");
});
