/**
 * A per-host concurrency limit: parallel VM creates on one Proxmox host contend for storage and
 * config locks, so at most `limit` run at once per host (default 3); hosts do not wait for each other.
 *
 * @example
 * ```ts
 * const limiter = new HostLimiter(3);
 * await Promise.all(vms.map((vm) => limiter.run(vm.host, () => createVm(vm))));
 * ```
 */
export class HostLimiter {
  readonly #active = new Map<string, number>();
  readonly #waiting = new Map<string, (() => void)[]>();
  constructor(readonly limit = 3) {
    if (!(limit >= 1)) throw new RangeError(`the per-host limit must be at least 1, got ${limit}`);
  }

  /** How many tasks run on `host` right now. */
  active(host: string): number {
    return this.#active.get(host) ?? 0;
  }

  /** Runs `fn` once fewer than `limit` others run on `host`. */
  async run<T>(host: string, fn: () => Promise<T>): Promise<T> {
    if (this.active(host) >= this.limit) {
      await new Promise<void>((resolve) => {
        const queue = this.#waiting.get(host) ?? [];
        this.#waiting.set(host, queue);
        queue.push(resolve);
      });
    } else {
      this.#active.set(host, this.active(host) + 1);
    }
    try {
      return await fn();
    } finally {
      // hand the slot straight to the next in line, or free it
      const next = this.#waiting.get(host)?.shift();
      if (next) next();
      else this.#active.set(host, this.active(host) - 1);
    }
  }
}
