/** Helpers for the engine's and the state's tests. */
import type { ManualClock } from "../clock/clock.ts";

/**
 * Yields to the event loop until `clock` has at least `n` sleepers, i.e. the code under test is
 * waiting on virtual time. A condition, not a timing assertion: it never waits on wall-clock time.
 */
export async function untilSleeping(clock: ManualClock, n = 1): Promise<void> {
  for (let i = 0; clock.pending < n; i++) {
    if (i > 5_000) throw new Error(`never reached ${n} sleepers (have ${clock.pending})`);
    await new Promise((r) => setTimeout(r, 0));
  }
}

/** Yields until `cond()` holds (e.g. "both steps have started"). */
export async function until(cond: () => boolean, what = "the condition"): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 5_000) throw new Error(`${what} never held`);
    await new Promise((r) => setTimeout(r, 0));
  }
}

/** A promise with its resolve function. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => resolve = r);
  return { promise, resolve };
}
