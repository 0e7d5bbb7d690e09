/**
 * Worker tasks of an emulated host, as `fork_worker` runs them: a UPID at once, a log, and an end
 * line (`TASK OK`, `TASK WARNINGS: n` or `TASK ERROR: <message>`) from which the exit status is
 * read. Work waits through the lab's clock and is cut off when the emulator closes.
 *
 * @example
 * ```ts
 * const upid = tasks.fork("qmstart", "101", "root@pam", async (t) => { await t.sleep(3000); t.log("started"); });
 * ```
 */
import type { Clock } from "../../lib/clock/clock.ts";
import { perlErrorText } from "./exception.ts";
import { makeUpid, type NodeState, type TaskState } from "./host.ts";

export interface TaskContext {
  upid: string;
  log(line: string): void;
  /** A warning line; the task then ends with `WARNINGS: n` instead of `OK`. */
  warn(line: string): void;
  /** Waits through the lab's clock; rejects when the emulator closes. */
  sleep(ms: number): Promise<void>;
}

export class TaskRunner {
  readonly #running = new Map<string, Promise<void>>();
  readonly #closing = new AbortController();
  constructor(
    private readonly options: { node: string; state: NodeState; clock: Clock; save: () => void },
  ) {}

  get signal(): AbortSignal {
    return this.#closing.signal;
  }

  /** Starts `work` as a task of `type` on `id` for `user`; returns its UPID at once. */
  fork(type: string, id: string, user: string, work: (t: TaskContext) => Promise<void>): string {
    const { state, clock, node } = this.options;
    state.pid += 1;
    const now = clock.now();
    const task: TaskState = {
      upid: "",
      pid: state.pid,
      // process start in clock ticks (100 Hz) since boot, as /proc/<pid>/stat has it
      pstart: Math.max(1, Math.floor((now - state.bootedAt) / 10)),
      starttime: Math.floor(now / 1000),
      type,
      id,
      user,
      status: "running",
      log: [],
    };
    task.upid = makeUpid({ node, ...task });
    state.tasks[task.upid] = task;
    let warnings = 0;
    const ctx: TaskContext = {
      upid: task.upid,
      log: (line) => task.log.push(...line.split("\n")),
      warn: (line) => {
        warnings++;
        task.log.push(`WARN: ${line}`);
      },
      sleep: (ms) => clock.sleep(ms, this.#closing.signal),
    };
    const run = (async () => {
      try {
        await work(ctx);
        task.exitstatus = warnings ? `WARNINGS: ${warnings}` : "OK";
        task.log.push(`TASK ${task.exitstatus}`);
      } catch (err) {
        if (this.#closing.signal.aborted) {
          task.exitstatus = "unexpected status";
        } else {
          // fork_worker: chomp, newlines become spaces
          task.exitstatus = perlErrorText(err).replace(/\n$/, "").replace(/\n/g, " ");
          task.log.push(`TASK ERROR: ${task.exitstatus}`);
        }
      } finally {
        task.status = "stopped";
        task.durationMs = clock.now() - now;
        this.#running.delete(task.upid);
        this.options.save();
      }
    })();
    this.#running.set(task.upid, run);
    this.options.save();
    return task.upid;
  }

  /** Resolves when the task has stopped (at once for unknown or finished tasks). */
  async done(upid: string): Promise<void> {
    await this.#running.get(upid);
  }

  /** Cuts every running task short and waits until they have stopped. */
  async close(): Promise<void> {
    this.#closing.abort(new Error("emulator closed"));
    await Promise.all(this.#running.values());
  }
}
