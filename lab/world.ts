/**
 * The lab world: the persisted state of every emulated system, so that separate commands
 * (`bootstrap --lab`, then `status --lab`, then `destroy --lab`) see the same machines.
 *
 * One JSON document at `<stateDir>/lab/world.json`, one section per system. Emulators keep
 * their section in memory, mutate it, and call {@link LabWorld.save} after each change;
 * writes are atomic (temp file, fsync, rename).
 *
 * @example
 * ```ts
 * const world = await LabWorld.open(".strata/lab");
 * const pve = world.section("proxmox", () => ({ hosts: {} }));
 * pve.hosts["pve1"] = { vms: {} };
 * await world.save();
 * ```
 */
export const WORLD_FORMAT = 1;

interface WorldDoc {
  format: number;
  sections: Record<string, unknown>;
}

export class LabWorld {
  #doc: WorldDoc;
  #saving: Promise<void> = Promise.resolve();
  private constructor(readonly dir: string, doc: WorldDoc) {
    this.#doc = doc;
  }

  /** Opens (or starts) the world in `dir`. The folder is created on the first save. */
  static async open(dir: string): Promise<LabWorld> {
    let doc: WorldDoc = { format: WORLD_FORMAT, sections: {} };
    try {
      const parsed = JSON.parse(await Deno.readTextFile(`${dir}/world.json`)) as WorldDoc;
      if (parsed.format !== WORLD_FORMAT) {
        throw new Error(
          `lab world ${dir}/world.json has format ${parsed.format}, expected ${WORLD_FORMAT}; run \`deno task lab reset\``,
        );
      }
      doc = parsed;
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return new LabWorld(dir, doc);
  }

  /** An in-memory world that is never written (unit tests). */
  static memory(): LabWorld {
    const world = new LabWorld("", { format: WORLD_FORMAT, sections: {} });
    world.save = () => Promise.resolve();
    return world;
  }

  /** The section of one system, created by `init` on first use. Mutate it, then `save()`. */
  section<T>(name: string, init: () => T): T {
    if (!(name in this.#doc.sections)) this.#doc.sections[name] = init();
    return this.#doc.sections[name] as T;
  }

  /** Forgets a system's section (its state is gone, e.g. a cluster's etcd with its VMs). */
  drop(name: string): void {
    delete this.#doc.sections[name];
  }

  /** Writes the world atomically; saves are serialized. */
  save(): Promise<void> {
    const text = JSON.stringify(this.#doc);
    this.#saving = this.#saving.then(async () => {
      await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
      const tmp = `${this.dir}/world.json.tmp-${Deno.pid}`;
      const file = await Deno.open(tmp, { write: true, create: true, truncate: true, mode: 0o600 });
      try {
        await file.write(new TextEncoder().encode(text));
        await file.sync();
      } finally {
        file.close();
      }
      await Deno.rename(tmp, `${this.dir}/world.json`);
    });
    return this.#saving;
  }

  /** Deletes the persisted world (`lab reset`). */
  static async reset(dir: string): Promise<void> {
    await Deno.remove(dir, { recursive: true }).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
  }
}
