/** Minimal assertions for tests (JSR's @std/assert is not reachable here). */
export class AssertionError extends Error {}

export function assert(cond: unknown, message = "assertion failed"): asserts cond {
  if (!cond) throw new AssertionError(message);
}

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new AssertionError(`${message ? message + ": " : ""}expected ${e}, got ${a}`);
}

export function assertMatch(actual: string, re: RegExp): void {
  if (!re.test(actual)) throw new AssertionError(`${JSON.stringify(actual)} does not match ${re}`);
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  check?: (err: unknown) => void,
): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    check?.(err);
    return err;
  }
  throw new AssertionError("expected a rejection");
}
