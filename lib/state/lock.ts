/**
 * A lock that stops two runs on the same state. It records pid, host and start time; a
 * stale lock (its process is gone, on this host) is reported with how to clear it.
 */
import { PreflightError } from "../errors.ts";

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export class LockedError extends PreflightError {
  constructor(readonly path: string, readonly holder: LockInfo, readonly stale: boolean) {
    super(
      stale
        ? `state is locked by pid ${holder.pid} on ${holder.host} (since ${holder.startedAt}), which is no longer running`
        : `another strata run holds the state lock: pid ${holder.pid} on ${holder.host}, ${holder.command}, since ${holder.startedAt}`,
      stale
        ? `the run died without releasing the lock; check nothing else is running, then remove ${path}`
        : "wait for it to finish (or stop it with Ctrl-C so it writes its state)",
    );
  }
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Reads the lock holder, if any, and whether it is stale. */
export function readLock(path: string): { holder: LockInfo; stale: boolean } | undefined {
  try {
    const holder = JSON.parse(Deno.readTextFileSync(path)) as LockInfo;
    return { holder, stale: holder.host === Deno.hostname() && !alive(holder.pid) };
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/** Takes the lock or throws {@link LockedError}. Returns the release function. */
export function acquireLock(path: string, command: string): () => void {
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o700 });
  const info: LockInfo = {
    pid: Deno.pid,
    host: Deno.hostname(),
    startedAt: new Date().toISOString(),
    command,
  };
  try {
    Deno.writeTextFileSync(path, JSON.stringify(info), { createNew: true, mode: 0o600 });
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    const held = readLock(path);
    if (held) throw new LockedError(path, held.holder, held.stale);
    return acquireLock(path, command);
  }
  return () => {
    try {
      Deno.removeSync(path);
    } catch { /* already gone */ }
  };
}
