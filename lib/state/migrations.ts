/**
 * The layer document's format and the migrations between formats. A document is brought to
 * {@link STATE_FORMAT} when read (in memory; the file is rewritten in the new format by the next
 * change), then checked, so a damaged file is reported with its path and field.
 *
 * Format history:
 * - 0: step checkpoints under `outputs` as `{at, output}`; no durations, no secrets.
 * - 1: checkpoints under `steps` as {@link StepRecord} (`at`, `durationMs`, `output`, `hasSecret`), one
 *   age-armored `secrets` field per layer, optional `completedAt`, `protected`, `lastRun`.
 *
 * To change the format: bump {@link STATE_FORMAT}, add `MIGRATIONS[old]`, and a test with a document
 * of the old format.
 *
 * @example
 * ```ts
 * const doc = migrate(JSON.parse(text), ".strata/homelab/layers/01-infrastructure.json", "01-infrastructure");
 * ```
 */
import { PreflightError } from "../errors.ts";
import type { LayerId, StepRecord } from "../engine/types.ts";

export const STATE_FORMAT = 1;

/** How the last run of a layer ended when it did not complete (cleared when the layer completes). */
export interface LastRun {
  command: "apply" | "destroy";
  outcome: "failed" | "interrupted";
  /** Epoch ms (run clock). */
  at: number;
  /** The failed step, or the steps that were running when the run was interrupted. */
  steps: string[];
}

/** One layer's state document: `<stateDir>/<cluster>/layers/<layer>.json`. */
export interface LayerDocument {
  format: number;
  layer: LayerId;
  /** Epoch ms when every step of the layer last succeeded in one run. */
  completedAt?: number;
  /** Deleting this document, or forgetting a step of it, needs an explicit `allowProtected`. */
  protected?: boolean;
  lastRun?: LastRun;
  /** Checkpoints by step id. */
  steps: Record<string, StepRecord>;
  /** age-armored JSON `{stepId: secret}`; absent when the layer has no secrets. */
  secrets?: string;
}

type Doc = Record<string, unknown>;

/** Migrations from format N to N+1, by N. */
export const MIGRATIONS: Readonly<Record<number, (doc: Doc) => Doc>> = {
  0: (doc) => {
    const outputs = (doc.outputs ?? {}) as Record<string, { at: number; output?: Record<string, unknown> }>;
    const steps: Record<string, StepRecord> = {};
    for (const [id, o] of Object.entries(outputs)) {
      steps[id] = { at: o.at, durationMs: 0, output: o.output ?? {}, hasSecret: false };
    }
    const { outputs: _, ...rest } = doc;
    return { ...rest, format: 1, steps };
  },
};

/** A state document that cannot be used as it is (exit 3). */
export function damaged(path: string, what: string): PreflightError {
  return new PreflightError(
    `${path} is damaged: ${what}`,
    "restore it from a backup (or remove it, if what that layer created is gone, and re-run the layer)",
  );
}

function isObject(v: unknown): v is Doc {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Brings a parsed document to {@link STATE_FORMAT} and checks its shape. */
export function migrate(raw: unknown, path: string, layer?: LayerId): LayerDocument {
  if (!isObject(raw)) throw damaged(path, "it is not a JSON object");
  let doc = raw;
  const declared = doc.format === undefined ? 0 : doc.format;
  if (typeof declared !== "number" || !Number.isInteger(declared) || declared < 0) {
    throw damaged(path, `format is ${JSON.stringify(declared)}, not a format number`);
  }
  let format: number = declared;
  if (format > STATE_FORMAT) {
    throw new PreflightError(
      `${path} has state format ${format}, newer than this strata understands (${STATE_FORMAT})`,
      "upgrade strata to the version that wrote it",
    );
  }
  while (format < STATE_FORMAT) {
    doc = MIGRATIONS[format](doc);
    format = doc.format as number;
  }
  if (layer && doc.layer !== layer) throw damaged(path, `it is the document of layer ${doc.layer}`);
  if (!isObject(doc.steps)) throw damaged(path, "steps is not an object");
  for (const [id, r] of Object.entries(doc.steps)) {
    if (!isObject(r) || typeof r.at !== "number" || !isObject(r.output) || typeof r.hasSecret !== "boolean") {
      throw damaged(path, `steps.${id} is not a checkpoint ({at, durationMs, output, hasSecret})`);
    }
  }
  if (doc.secrets !== undefined && typeof doc.secrets !== "string") {
    throw damaged(path, "secrets is not text");
  }
  return doc as unknown as LayerDocument;
}
