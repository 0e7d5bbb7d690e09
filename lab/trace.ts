/**
 * The lab's request trace: every request any emulator receives, one JSON line each, so a
 * request's conformance to the real API can be checked from outside (`--lab-trace FILE`).
 */
export interface TraceEntry {
  system: "proxmox" | "talos" | "kube" | "ssh" | "factory" | "cloudflare" | string;
  method: string;
  path: string;
  /** Query and body, parsed. */
  params: Record<string, unknown>;
  status: number | string;
  /** Virtual epoch ms when the request arrived (for timelines). */
  at?: number;
  /** Which emulated host answered (e.g. "pve1", "10.0.1.11"). */
  host?: string;
}

export interface Trace {
  record(entry: TraceEntry): void;
  close(): Promise<void>;
}

/** A trace that keeps entries in memory (tests) and optionally appends them to a file. */
export class TraceLog implements Trace {
  readonly entries: TraceEntry[] = [];
  #file?: Deno.FsFile;
  #encoder = new TextEncoder();
  constructor(path?: string) {
    if (path) this.#file = Deno.openSync(path, { create: true, append: true });
  }
  record(entry: TraceEntry): void {
    this.entries.push(entry);
    this.#file?.writeSync(this.#encoder.encode(JSON.stringify(entry) + "\n"));
  }
  close(): Promise<void> {
    this.#file?.close();
    this.#file = undefined;
    return Promise.resolve();
  }
}

/** A trace that drops everything. */
export const noTrace: Trace = { record() {}, close: () => Promise.resolve() };
