/**
 * `deno task lab serve` and `deno task lab reset`: the lab for people. `serve` runs the emulators in
 * the foreground and prints where to point real clients (kubectl, curl, talosctl); `reset` wipes
 * the persisted world.
 *
 * @example
 * ```ts
 * const lab = await openLab({ stateDir: ".strata", config });
 * await lab.start();
 * const ctl = new AbortController();
 * Deno.addSignalListener("SIGINT", () => ctl.abort());
 * await serveLab(lab, { json: false, write: console.log, signal: ctl.signal });
 * await lab.close();
 * ```
 */
import { RefusedError } from "../lib/errors.ts";
import { type LabRuntime, labWorldInUse } from "./mod.ts";
import { LabWorld } from "./world.ts";

/** What `lab serve --json` prints (one line). */
export interface ServedLab {
  world: string;
  profile: string;
  emulators: { name: string; endpoints: string[] }[];
}

/** Prints the endpoints of the started lab, then waits until `signal` aborts (Ctrl-C). */
export async function serveLab(
  lab: LabRuntime,
  options: { json: boolean; write(line: string): void; signal: AbortSignal },
): Promise<ServedLab> {
  await lab.remember("lab serve");
  const served: ServedLab = {
    world: lab.dir,
    profile: lab.profile.name,
    emulators: lab.endpoints().map((h) => ({ name: h.name, endpoints: h.endpoints })),
  };
  if (options.json) options.write(JSON.stringify(served));
  else {
    options.write(`lab world ${served.world} (profile ${served.profile})`);
    if (!served.emulators.length) options.write("  no emulators are registered");
    const w = Math.max(0, ...served.emulators.map((e) => e.name.length));
    for (const e of served.emulators) options.write(`  ${e.name.padEnd(w)}  ${e.endpoints.join("  ")}`);
    options.write("Ctrl-C stops the lab.");
  }
  if (!options.signal.aborted) {
    await new Promise<void>((resolve) =>
      options.signal.addEventListener("abort", () => resolve(), { once: true })
    );
  }
  return served;
}

/** Wipes the lab world in `dir`; refused (exit 4, nothing changed) while a lab serves it. */
export async function resetLab(dir: string): Promise<void> {
  const holder = labWorldInUse(dir);
  if (holder) {
    throw new RefusedError(
      `the lab world ${dir} is in use by pid ${holder.pid} (${holder.command}, since ${holder.startedAt}); ` +
        "nothing was wiped",
      "stop that lab first (Ctrl-C in its terminal)",
    );
  }
  await LabWorld.reset(dir);
}
