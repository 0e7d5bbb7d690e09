/**
 * The VM config file locks of an emulated host (`/var/lock/qemu-server/lock-<vmid>.conf`, an
 * exclusive flock): a second holder waits up to its timeout, through the lab's clock, and then
 * fails with PVE's message "can't lock file '…' - got timeout".
 *
 * @example
 * ```ts
 * const locks = new ConfigLocks(clock);
 * await locks.withLock(101, 10, async () => { … }, (line) => task.log(line));
 * ```
 */
import type { Clock } from "../../lib/clock/clock.ts";
import { die } from "./exception.ts";

interface Waiter {
  grant(): void;
}

export function lockFile(vmid: number | string): string {
  return `/var/lock/qemu-server/lock-${vmid}.conf`;
}

export class ConfigLocks {
  readonly #held = new Set<string>();
  readonly #queues = new Map<string, Waiter[]>();
  /** `closing` aborts every wait when the emulator shuts down. */
  constructor(private readonly clock: Clock, private readonly closing?: AbortSignal) {}

  /** True while someone holds the lock of `vmid`. */
  isLocked(vmid: number | string): boolean {
    return this.#held.has(String(vmid));
  }

  /**
   * Runs `fn` holding the lock of `vmid`, waiting at most `timeoutSec` (PVE: 10 for config
   * changes, 5 or 1 around creation). `log` receives the lines PVE prints while it waits.
   */
  async withLock<T>(
    vmid: number | string,
    timeoutSec: number,
    fn: () => Promise<T> | T,
    log?: (line: string) => void,
  ): Promise<T> {
    const release = await this.#acquire(String(vmid), timeoutSec, log);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #acquire(key: string, timeoutSec: number, log?: (line: string) => void): Promise<() => void> {
    const release = () => {
      const next = this.#queues.get(key)?.shift();
      if (next) next.grant();
      else this.#held.delete(key);
    };
    if (!this.#held.has(key)) {
      this.#held.add(key);
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const timer = new AbortController();
      const waiter: Waiter = {
        grant: () => {
          timer.abort();
          log?.("trying to acquire lock... OK");
          resolve(release);
        },
      };
      const queue = this.#queues.get(key) ?? [];
      this.#queues.set(key, queue);
      queue.push(waiter);
      const signal = this.closing ? AbortSignal.any([timer.signal, this.closing]) : timer.signal;
      this.clock.sleep(timeoutSec * 1000, signal).then(() => {
        queue.splice(queue.indexOf(waiter), 1);
        log?.("trying to acquire lock...");
        try {
          die(`can't lock file '${lockFile(key)}' - got timeout\n`);
        } catch (err) {
          reject(err);
        }
      }, (err) => {
        if (!this.closing?.aborted) return;
        queue.splice(queue.indexOf(waiter), 1);
        reject(err);
      });
    });
  }
}
