/**
 * Fault injection for one emulator, seeded so a failing run can be replayed.
 */
import { seededRandom } from "./random.ts";

export interface FaultConfig {
  /** Probability that a request fails with the system's transient error (e.g. 503). */
  errorRate?: number;
  /** Probability that a request is delayed by `spikeMs` virtual ms. */
  spikeRate?: number;
  spikeMs?: number;
  /** Probability that a connection is dropped without an answer. */
  dropRate?: number;
  seed?: number;
}

export type FaultDecision = { kind: "none" } | { kind: "error" } | { kind: "drop" } | {
  kind: "spike";
  ms: number;
};

/** Decides, request by request, whether to inject a fault. Deterministic for a seed. */
export class Faults {
  readonly #random: () => number;
  constructor(readonly config: FaultConfig = {}) {
    this.#random = seededRandom(config.seed ?? 1);
  }
  get enabled(): boolean {
    const c = this.config;
    return (c.errorRate ?? 0) > 0 || (c.spikeRate ?? 0) > 0 || (c.dropRate ?? 0) > 0;
  }
  next(): FaultDecision {
    if (!this.enabled) return { kind: "none" };
    const c = this.config;
    const r = this.#random();
    let edge = c.dropRate ?? 0;
    if (r < edge) return { kind: "drop" };
    edge += c.errorRate ?? 0;
    if (r < edge) return { kind: "error" };
    edge += c.spikeRate ?? 0;
    if (r < edge) return { kind: "spike", ms: c.spikeMs ?? 5000 };
    return { kind: "none" };
  }
}
