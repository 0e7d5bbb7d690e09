/**
 * A lock that stops two runs on the same state. The lock file records pid, host, start time and
 * command (plus, on Linux, the boot id and the process start time, so a pid reused after the holder
 * died is not mistaken for it). It is created atomically (written in full to a temp file, then
 * hard-linked into place), so a reader never sees half of it. A lock whose process is gone on this
 * host is stale: it is reported with how to clear it, never silently taken over.
 *
 * @example
 * ```ts
 * const release = acquireLock(".strata/homelab/lock", "bootstrap"); // throws LockedError (exit 3)
 * try {
 *   // … run …
 * } finally {
 *   release();
 * }
 * ```
 */
import { PreflightError } from "../errors.ts";
import { tempPathFor } from "./atomic.ts";
import { bootId, processAlive, processStartTime } from "./process.ts";

export interface LockInfo {
  pid: number;
  host: string;
  /** ISO time the run started. */
  startedAt: string;
  /** The command holding it ("bootstrap", "destroy", …). */
  command: string;
  /** Linux boot id of the holder's host at the time. */
  bootId?: string;
  /** The holder's start time in clock ticks since boot (Linux). */
  processStart?: string;
}

/** The state is locked by another run (exit 3). */
export class LockedError extends PreflightError {
  constructor(readonly path: string, readonly holder: LockInfo, readonly stale: boolean) {
    const who = `pid ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.startedAt})`;
    const here = holder.host === Deno.hostname();
    super(
      stale
        ? `the state is locked by ${who}, which is no longer running`
        : `another strata run holds the state lock: ${who}`,
      stale
        ? `that run died without releasing the lock; check no strata run is active, then remove ${path}`
        : here
        ? "wait for it to finish (or stop it with Ctrl-C: it writes its state and releases the lock)"
        : `wait for it to finish; if no strata run is active on ${holder.host}, remove ${path}`,
    );
  }
}

function unreadable(): LockInfo {
  return { pid: 0, host: Deno.hostname(), startedAt: "unknown", command: "unreadable lock file" };
}

/** Whether a holder recorded on this host is gone. Holders on other hosts cannot be checked. */
function isStale(holder: LockInfo): boolean {
  if (holder.host !== Deno.hostname()) return false;
  const boot = bootId();
  if (holder.bootId && boot && holder.bootId !== boot) return true;
  if (!processAlive(holder.pid)) return true;
  const start = processStartTime(holder.pid);
  return Boolean(holder.processStart && start && holder.processStart !== start);
}

/** Reads the lock holder, if any, and whether it is stale. An unreadable lock file counts as stale. */
export function readLock(path: string): { holder: LockInfo; stale: boolean } | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  let holder: LockInfo;
  try {
    holder = JSON.parse(text);
    if (typeof holder?.pid !== "number" || typeof holder.host !== "string") throw new Error("shape");
  } catch {
    return { holder: unreadable(), stale: true };
  }
  return { holder, stale: isStale(holder) };
}

/** This process, as a lock holder. */
export function currentHolder(command: string): LockInfo {
  return {
    pid: Deno.pid,
    host: Deno.hostname(),
    startedAt: new Date().toISOString(),
    command,
    bootId: bootId(),
    processStart: processStartTime(Deno.pid),
  };
}

/** Takes the lock or throws {@link LockedError}. Returns the release function (idempotent). */
export function acquireLock(path: string, command: string): () => void {
  const dir = path.slice(0, path.lastIndexOf("/")) || ".";
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const info = currentHolder(command);
  const tmp = tempPathFor(path);
  Deno.writeTextFileSync(tmp, JSON.stringify(info) + "\n", { createNew: true, mode: 0o600 });
  try {
    for (let tries = 0;; tries++) {
      try {
        Deno.linkSync(tmp, path); // fails if the lock exists: creation is atomic and complete
        break;
      } catch (err) {
        if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
        const held = readLock(path);
        if (held) throw new LockedError(path, held.holder, held.stale);
        if (tries > 10) throw err; // it keeps appearing and vanishing: someone else is racing us
      }
    }
  } finally {
    Deno.removeSync(tmp);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      const now = JSON.parse(Deno.readTextFileSync(path)) as LockInfo;
      // never remove a lock someone else took after ours was cleared by hand
      if (now.pid === info.pid && now.startedAt === info.startedAt) Deno.removeSync(path);
    } catch { /* already gone */ }
  };
}
