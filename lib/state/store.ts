/**
 * strata's state: one JSON document per layer under `<stateDir>/<cluster>/layers/<layer>.json`.
 *
 * Public step outputs are plain JSON (so `status` needs no key); every secret value of a layer
 * is kept in one age-encrypted, ASCII-armored field of that document. Writes are atomic, files
 * 0600, folders 0700. Layer 00 is protected: its document is never deleted without
 * `allowProtected`.
 *
 * @example
 * ```ts
 * const state = await StateStore.open({ dir: ".strata", cluster: "lab" });
 * await state.record("00-persistent-auth", "auth.talos-secrets", { output: {}, secret: { bundle: "…" } }, 1200);
 * await state.secret("auth.talos-secrets"); // { bundle: "…" }
 * ```
 */
import { RefusedError, StrataError } from "../errors.ts";
import { LAYER_IDS, type LayerId, type StepRecord, type StepResult } from "../engine/types.ts";
import { writeFileAtomic } from "./atomic.ts";
import { type AgeIdentity, decryptText, encryptText, loadIdentity } from "./identity.ts";

export const STATE_FORMAT = 1;
export const PROTECTED_LAYERS: readonly LayerId[] = ["00-persistent-auth"];

export interface LayerDocument {
  format: number;
  layer: LayerId;
  /** Epoch ms of the last successful apply of every step, if the layer completed. */
  completedAt?: number;
  steps: Record<string, StepRecord>;
  /** age-armored JSON `{stepId: secret}`; absent when the layer has no secrets. */
  secrets?: string;
}

/** Migrations from format N to N+1, by N. Format 0 kept outputs in `outputs` without durations. */
const MIGRATIONS: Record<number, (doc: Record<string, unknown>) => Record<string, unknown>> = {
  0: (doc) => {
    const outputs = (doc.outputs ?? {}) as Record<string, { at: number; output: Record<string, unknown> }>;
    const steps: Record<string, StepRecord> = {};
    for (const [id, o] of Object.entries(outputs)) {
      steps[id] = { at: o.at, durationMs: 0, output: o.output, hasSecret: false };
    }
    const { outputs: _, ...rest } = doc;
    return { ...rest, format: 1, steps };
  },
};

/** Brings a parsed document to {@link STATE_FORMAT}. */
export function migrate(doc: Record<string, unknown>, path: string): LayerDocument {
  let format = typeof doc.format === "number" ? doc.format : 0;
  if (format > STATE_FORMAT) {
    throw new StrataError(
      `${path} has state format ${format}, newer than this strata (${STATE_FORMAT})`,
      1,
      "upgrade strata",
    );
  }
  while (format < STATE_FORMAT) {
    doc = MIGRATIONS[format](doc);
    format = doc.format as number;
  }
  return doc as unknown as LayerDocument;
}

export class StateStore {
  readonly #docs = new Map<LayerId, LayerDocument>();
  readonly #secrets = new Map<LayerId, Record<string, Record<string, unknown>>>();
  #identity?: AgeIdentity;
  #onIdentityCreated?: (id: AgeIdentity) => void;
  #env: Record<string, string | undefined>;

  private constructor(readonly root: string, env: Record<string, string | undefined>) {
    this.#env = env;
  }

  /** Opens the state of one cluster. Reads the layer documents that exist; writes nothing. */
  static async open(options: {
    dir: string;
    cluster: string;
    env?: Record<string, string | undefined>;
    onIdentityCreated?: (id: AgeIdentity) => void;
  }): Promise<StateStore> {
    const store = new StateStore(`${options.dir}/${options.cluster}`, options.env ?? Deno.env.toObject());
    store.#onIdentityCreated = options.onIdentityCreated;
    for (const layer of LAYER_IDS) {
      const path = store.layerPath(layer);
      try {
        store.#docs.set(layer, migrate(JSON.parse(await Deno.readTextFile(path)), path));
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) continue;
        if (err instanceof SyntaxError) {
          throw new StrataError(`${path} is not valid JSON: ${err.message}`, 1, "restore it from a backup");
        }
        throw err;
      }
    }
    return store;
  }

  layerPath(layer: LayerId): string {
    return `${this.root}/layers/${layer}.json`;
  }

  /** The layer's document, or undefined when it was never applied. */
  layer(layer: LayerId): LayerDocument | undefined {
    return this.#docs.get(layer);
  }

  /** The checkpoint of a step in any layer. */
  step(stepId: string): StepRecord | undefined {
    for (const doc of this.#docs.values()) if (doc.steps[stepId]) return doc.steps[stepId];
    return undefined;
  }

  async #identityFor(create: boolean): Promise<AgeIdentity> {
    if (!this.#identity) {
      this.#identity = await loadIdentity({ create, env: this.#env });
      if (!this.#identity) {
        throw new StrataError(
          "the age identity that decrypts the state is missing",
          1,
          "set STRATA_AGE_KEY or restore ~/.config/strata/age-identity.txt from your backup",
        );
      }
      if (this.#identity.created) this.#onIdentityCreated?.(this.#identity);
    }
    return this.#identity;
  }

  async #layerSecrets(layer: LayerId): Promise<Record<string, Record<string, unknown>>> {
    let secrets = this.#secrets.get(layer);
    if (!secrets) {
      const armored = this.#docs.get(layer)?.secrets;
      if (!armored) secrets = {};
      else {
        const { identity } = await this.#identityFor(false);
        try {
          secrets = JSON.parse(await decryptText(identity, armored));
        } catch (err) {
          throw new StrataError(
            `cannot decrypt the secrets of layer ${layer}: ${(err as Error).message}`,
            1,
            "the age identity in use is not the one the state was written with; set STRATA_AGE_KEY to the right one",
          );
        }
      }
      this.#secrets.set(layer, secrets!);
    }
    return secrets!;
  }

  /** Decrypts a step's secret values (any layer). */
  async secret<T = Record<string, unknown>>(stepId: string): Promise<T | undefined> {
    for (const [layer, doc] of this.#docs) {
      if (doc.steps[stepId]?.hasSecret) return (await this.#layerSecrets(layer))[stepId] as T;
    }
    return undefined;
  }

  /** Checks every layer's secrets decrypt (preflight). */
  async verifyDecryptable(): Promise<void> {
    for (const layer of this.#docs.keys()) await this.#layerSecrets(layer);
  }

  /** Checkpoints a step's result as soon as it succeeds. */
  async record(
    layer: LayerId,
    stepId: string,
    result: StepResult,
    durationMs: number,
    at = Date.now(),
  ): Promise<void> {
    const doc = this.#docs.get(layer) ?? { format: STATE_FORMAT, layer, steps: {} };
    const hasSecret = result.secret !== undefined;
    const hadSecret = doc.steps[stepId]?.hasSecret ?? false;
    doc.steps[stepId] = { at, durationMs, output: result.output ?? {}, hasSecret };
    if (hasSecret || hadSecret) {
      const secrets = await this.#layerSecrets(layer);
      if (hasSecret) secrets[stepId] = result.secret!;
      else delete secrets[stepId];
      await this.#sealSecrets(doc, secrets);
    }
    this.#docs.set(layer, doc);
    await this.#write(layer);
  }

  async #sealSecrets(doc: LayerDocument, secrets: Record<string, Record<string, unknown>>): Promise<void> {
    if (Object.keys(secrets).length === 0) {
      delete doc.secrets;
      return;
    }
    const { recipient } = await this.#identityFor(true);
    doc.secrets = await encryptText(recipient, JSON.stringify(secrets));
  }

  /** Marks a layer complete (all steps applied). */
  async complete(layer: LayerId, at = Date.now()): Promise<void> {
    const doc = this.#docs.get(layer) ?? { format: STATE_FORMAT, layer, steps: {} };
    doc.completedAt = at;
    this.#docs.set(layer, doc);
    await this.#write(layer);
  }

  /** Forgets a destroyed step. */
  async forget(layer: LayerId, stepId: string, options: { allowProtected?: boolean } = {}): Promise<void> {
    this.#guard(layer, options);
    const doc = this.#docs.get(layer);
    if (!doc?.steps[stepId]) return;
    const hadSecret = doc.steps[stepId].hasSecret;
    delete doc.steps[stepId];
    delete doc.completedAt;
    if (hadSecret) {
      const secrets = await this.#layerSecrets(layer);
      delete secrets[stepId];
      await this.#sealSecrets(doc, secrets);
    }
    await this.#write(layer);
  }

  /** Deletes a layer's document (after destroy). Layer 00 needs `allowProtected`. */
  async deleteLayer(layer: LayerId, options: { allowProtected?: boolean } = {}): Promise<void> {
    this.#guard(layer, options);
    this.#docs.delete(layer);
    this.#secrets.delete(layer);
    await Deno.remove(this.layerPath(layer)).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
  }

  #guard(layer: LayerId, options: { allowProtected?: boolean }): void {
    if (PROTECTED_LAYERS.includes(layer) && !options.allowProtected) {
      throw new RefusedError(
        `layer ${layer} is protected: its keys must survive teardown`,
        "destroy it only with --including-persistent-auth and --confirm=<cluster name>",
      );
    }
  }

  async #write(layer: LayerId): Promise<void> {
    await writeFileAtomic(this.layerPath(layer), JSON.stringify(this.#docs.get(layer), null, 2) + "\n");
  }
}
