/**
 * strata's state: one JSON document per layer, `<dir>/<cluster>/layers/<layer>.json` (`<dir>` is
 * `.strata` unless overridden), described in lib/state/migrations.ts and docs/safety-model.md.
 *
 * Public step outputs are plain JSON (so `status` needs no key); all secret values of a layer are
 * one age-encrypted, ASCII-armored field of that document. Writes are atomic and serialized (steps
 * finishing together never lose each other's checkpoint); files are 0600, strata's folders 0700.
 * Opening reads and writes nothing else: a bad config or a `status` leaves no trace.
 *
 * Protection: a protected layer's document cannot be deleted, nor a step of it forgotten, without
 * `{ allowProtected: true }` (a {@link RefusedError}, exit 4, otherwise). Layer 00 is always
 * protected ({@link PROTECTED_LAYERS}); any layer can be marked with {@link StateStore.protect},
 * which is kept in its document.
 *
 * @example
 * ```ts
 * const state = await StateStore.open({ dir: ".strata", cluster: "homelab" });
 * const release = state.lock("bootstrap"); // LockedError (exit 3) when another run holds it
 * try {
 *   await state.record("00-persistent-auth", "auth.talos-secrets", { output: { ok: true }, secret: { bundle: "…" } }, 1200);
 *   await state.secret("auth.talos-secrets"); // { bundle: "…" }
 * } finally {
 *   release();
 * }
 * ```
 */
import { RefusedError, StrataError } from "../errors.ts";
import { LAYER_IDS, type LayerId, type StepRecord, type StepResult } from "../engine/types.ts";
import { ensureDir, removeStaleTempFiles, writeFileAtomic } from "./atomic.ts";
import {
  type AgeIdentity,
  decryptText,
  encryptText,
  identityCreatedMessage,
  loadIdentity,
} from "./identity.ts";
import { acquireLock } from "./lock.ts";
import { damaged, type LastRun, type LayerDocument, migrate, STATE_FORMAT } from "./migrations.ts";

export { type LastRun, type LayerDocument, migrate, STATE_FORMAT } from "./migrations.ts";

/** Layers that are protected whether or not their document says so. */
export const PROTECTED_LAYERS: readonly LayerId[] = ["00-persistent-auth"];

type Secrets = Record<string, Record<string, unknown>>;
type Env = Record<string, string | undefined>;

export interface StateStoreOptions {
  /** The state folder, `.strata` by default in the CLI. */
  dir: string;
  cluster: string;
  /** Environment for `STRATA_AGE_KEY`, `XDG_CONFIG_HOME`, `HOME` (default: the process's). */
  env?: Env;
  /** Told when the age identity was created by this run (default: a line on stderr). */
  onIdentityCreated?: (id: AgeIdentity) => void;
}

/** Permission to touch a protected layer. */
export interface ProtectedOptions {
  allowProtected?: boolean;
}

function emptyDoc(layer: LayerId): LayerDocument {
  return { format: STATE_FORMAT, layer, steps: {} };
}

export class StateStore {
  /** `<dir>/<cluster>`. */
  readonly root: string;
  readonly #docs = new Map<LayerId, LayerDocument>();
  /** Decrypted secrets per layer, loaded once, on demand. */
  readonly #secrets = new Map<LayerId, Promise<Secrets>>();
  readonly #env: Env;
  readonly #onIdentityCreated: (id: AgeIdentity) => void;
  #identity?: Promise<AgeIdentity>;
  #queue: Promise<unknown> = Promise.resolve();
  #prepared = false;

  private constructor(options: StateStoreOptions) {
    this.root = `${options.dir}/${options.cluster}`;
    this.#env = options.env ?? Deno.env.toObject();
    this.#onIdentityCreated = options.onIdentityCreated ??
      ((id) => console.error(`strata: ${identityCreatedMessage(id)}`));
  }

  /** Opens the state of one cluster: reads (and migrates in memory) the layer documents that exist. */
  static async open(options: StateStoreOptions): Promise<StateStore> {
    const store = new StateStore(options);
    for (const layer of LAYER_IDS) {
      const path = store.layerPath(layer);
      let text: string;
      try {
        text = await Deno.readTextFile(path);
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) continue;
        throw err;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (err) {
        throw damaged(path, `it is not valid JSON (${(err as Error).message})`);
      }
      store.#docs.set(layer, migrate(raw, path, layer));
    }
    return store;
  }

  layerPath(layer: LayerId): string {
    return `${this.root}/layers/${layer}.json`;
  }

  /** `<dir>/<cluster>/lock`. */
  get lockPath(): string {
    return `${this.root}/lock`;
  }

  /** Takes the state lock for `command`; throws LockedError (exit 3). Returns the release function. */
  lock(command: string): () => void {
    return acquireLock(this.lockPath, command);
  }

  /** The layer's document, or undefined when nothing of it was ever recorded. Do not mutate. */
  layer(layer: LayerId): LayerDocument | undefined {
    return this.#docs.get(layer);
  }

  /** The checkpoint of a step, in `layer` or (without it) in any layer. Do not mutate. */
  step(stepId: string, layer?: LayerId): StepRecord | undefined {
    if (layer) return this.#docs.get(layer)?.steps[stepId];
    for (const doc of this.#docs.values()) if (doc.steps[stepId]) return doc.steps[stepId];
    return undefined;
  }

  /** Decrypts a step's secret values (a copy), in `layer` or in any layer. */
  async secret<T = Record<string, unknown>>(stepId: string, layer?: LayerId): Promise<T | undefined> {
    for (const [id, doc] of this.#docs) {
      if ((layer === undefined || id === layer) && doc.steps[stepId]?.hasSecret) {
        const value = (await this.#secretsOf(id))[stepId];
        return value === undefined ? undefined : structuredClone(value) as T;
      }
    }
    return undefined;
  }

  /** Checks every layer's secrets decrypt (preflight). */
  async verifyDecryptable(): Promise<void> {
    for (const layer of this.#docs.keys()) await this.#secretsOf(layer);
  }

  /** Whether deleting the layer's document (or forgetting its steps) needs `allowProtected`. */
  isProtected(layer: LayerId): boolean {
    return PROTECTED_LAYERS.includes(layer) || this.#docs.get(layer)?.protected === true;
  }

  /** Throws {@link RefusedError} (exit 4) when the layer is protected and `allowProtected` is not set. */
  assertMayDelete(layer: LayerId, options: ProtectedOptions = {}): void {
    if (this.isProtected(layer) && !options.allowProtected) {
      throw new RefusedError(
        `layer ${layer} is protected: what it holds must survive teardown; nothing was changed`,
        layer === "00-persistent-auth"
          ? "destroy it only with --including-persistent-auth and --confirm=<cluster name>"
          : "destroying it needs the explicit confirmation its layer documents",
      );
    }
  }

  /** Marks a layer protected, in its document (created if needed). */
  protect(layer: LayerId): Promise<void> {
    return this.#exclusive(async () => {
      const doc = this.#docs.get(layer) ?? emptyDoc(layer);
      if (doc.protected && this.#docs.has(layer)) return;
      doc.protected = true;
      this.#docs.set(layer, doc);
      await this.#write(layer);
    });
  }

  /**
   * Checkpoints a step's result as soon as it succeeds. `output` replaces the last one; `secret`
   * replaces the stored secret, an omitted one keeps it, `{}` drops it.
   */
  record(
    layer: LayerId,
    stepId: string,
    result: StepResult,
    durationMs: number,
    at = Date.now(),
  ): Promise<void> {
    // copy now, and fail here on values JSON cannot hold
    const output = JSON.parse(JSON.stringify(result.output ?? {}));
    const secret = result.secret === undefined ? undefined : JSON.parse(JSON.stringify(result.secret));
    return this.#exclusive(async () => {
      const doc = this.#docs.get(layer) ?? emptyDoc(layer);
      let hasSecret = doc.steps[stepId]?.hasSecret ?? false;
      if (secret !== undefined) {
        const drop = Object.keys(secret).length === 0;
        await this.#updateSecrets(layer, doc, (s) => drop ? delete s[stepId] : s[stepId] = secret);
        hasSecret = !drop;
      }
      doc.steps[stepId] = { at, durationMs, output, hasSecret };
      this.#docs.set(layer, doc);
      await this.#write(layer);
    });
  }

  /** Marks a layer complete: every step succeeded in one run. Clears `lastRun`. */
  complete(layer: LayerId, at = Date.now()): Promise<void> {
    return this.#exclusive(async () => {
      const doc = this.#docs.get(layer) ?? emptyDoc(layer);
      doc.completedAt = at;
      delete doc.lastRun;
      this.#docs.set(layer, doc);
      await this.#write(layer);
    });
  }

  /** Records that a run of the layer failed or was interrupted (shown by `status`). */
  noteRun(layer: LayerId, lastRun: LastRun): Promise<void> {
    return this.#exclusive(async () => {
      const doc = this.#docs.get(layer) ?? emptyDoc(layer);
      doc.lastRun = lastRun;
      this.#docs.set(layer, doc);
      await this.#write(layer);
    });
  }

  /** Forgets a destroyed step. A protected layer needs `allowProtected`. */
  forget(layer: LayerId, stepId: string, options: ProtectedOptions = {}): Promise<void> {
    this.assertMayDelete(layer, options);
    return this.#exclusive(async () => {
      const doc = this.#docs.get(layer);
      if (!doc?.steps[stepId]) return;
      if (doc.steps[stepId].hasSecret) await this.#updateSecrets(layer, doc, (s) => delete s[stepId]);
      delete doc.steps[stepId];
      delete doc.completedAt;
      await this.#write(layer);
    });
  }

  /** Deletes a layer's document (after destroy). A protected layer needs `allowProtected`. */
  deleteLayer(layer: LayerId, options: ProtectedOptions = {}): Promise<void> {
    this.assertMayDelete(layer, options);
    return this.#exclusive(async () => {
      await Deno.remove(this.layerPath(layer)).catch((err) => {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      });
      this.#docs.delete(layer);
      this.#secrets.delete(layer);
    });
  }

  /** Resolves when every write started so far is on disk. */
  async flush(): Promise<void> {
    await this.#queue.catch(() => undefined);
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.catch(() => undefined).then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #identityFor(create: boolean): Promise<AgeIdentity> {
    const load = async () => {
      const id = await loadIdentity({ create, env: this.#env });
      if (!id) {
        throw new StrataError(
          "the age identity that decrypts the state's secrets is missing",
          3,
          "restore ~/.config/strata/age-identity.txt from your backup, or set STRATA_AGE_KEY",
        );
      }
      if (id.created) this.#onIdentityCreated(id);
      return id;
    };
    const p = this.#identity ?? load();
    this.#identity = p;
    p.catch(() => this.#identity === p && (this.#identity = undefined));
    return p;
  }

  #secretsOf(layer: LayerId): Promise<Secrets> {
    let p = this.#secrets.get(layer);
    if (!p) {
      p = this.#decrypt(layer);
      this.#secrets.set(layer, p);
      const loaded = p;
      loaded.catch(() => this.#secrets.get(layer) === loaded && this.#secrets.delete(layer));
    }
    return p;
  }

  async #decrypt(layer: LayerId): Promise<Secrets> {
    const armored = this.#docs.get(layer)?.secrets;
    if (!armored) return {};
    const { identity, source } = await this.#identityFor(false);
    try {
      return JSON.parse(await decryptText(identity, armored));
    } catch (err) {
      throw new StrataError(
        `cannot decrypt the secrets of layer ${layer} with the age identity from ${source}: ${
          (err as Error).message
        }`,
        3,
        "the state was written with another identity: set STRATA_AGE_KEY to it, or restore its file",
      );
    }
  }

  /** Applies `change` to a copy of the layer's secrets, re-encrypts when they changed, then keeps it. */
  async #updateSecrets(layer: LayerId, doc: LayerDocument, change: (s: Secrets) => unknown): Promise<void> {
    const before = await this.#secretsOf(layer);
    const after = { ...before };
    change(after);
    if (JSON.stringify(after) === JSON.stringify(before)) return; // unchanged: keep the bytes on disk
    if (Object.keys(after).length === 0) delete doc.secrets;
    else doc.secrets = await encryptText((await this.#identityFor(true)).recipient, JSON.stringify(after));
    this.#secrets.set(layer, Promise.resolve(after));
  }

  async #write(layer: LayerId): Promise<void> {
    const dir = `${this.root}/layers`;
    if (!this.#prepared) {
      await ensureDir(dir);
      for (const d of [this.root, dir]) {
        // strata's own folders: never readable by others, whoever created them
        if (((await Deno.stat(d)).mode ?? 0) & 0o077) await Deno.chmod(d, 0o700);
      }
      await removeStaleTempFiles(dir);
      this.#prepared = true;
    }
    await writeFileAtomic(this.layerPath(layer), JSON.stringify(this.#docs.get(layer), null, 2) + "\n");
  }
}
