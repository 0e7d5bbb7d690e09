/**
 * Facts about processes on this host, for telling a live lock holder from a dead one: whether a
 * pid exists, when it started (so a reused pid is not mistaken for the holder) and this boot's id.
 *
 * @example
 * ```ts
 * const me = { pid: Deno.pid, start: processStartTime(Deno.pid), boot: bootId() };
 * processAlive(me.pid); // true
 * ```
 */
import process from "node:process";

/** True when a process with this pid exists (signal 0 probes without sending anything). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return (err as { code?: string }).code === "EPERM";
  }
}

/** The process's start time in clock ticks since boot (Linux `/proc/<pid>/stat` field 22), if known. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // the command name (field 2) may hold spaces and parentheses; fields after it are plain
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** This boot's id (Linux), so a lock from before a reboot is known to be dead whatever its pid. */
export function bootId(): string | undefined {
  try {
    return Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim() || undefined;
  } catch {
    return undefined;
  }
}
