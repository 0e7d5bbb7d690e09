/**
 * strata's commands. Each takes parsed flags and returns an exit code; errors carry their own
 * exit code (lib/errors.ts) and are printed by main.ts.
 */
import { labDir } from "../../lab/mod.ts";
import { resetLab, serveLab } from "../../lab/serve.ts";
import { layerById, LAYERS, parseLayer } from "../../layers/mod.ts";
import { configJsonSchema } from "../config/json_schema.ts";
import { applyLayer, destroyLayer, type EngineOptions, planLayer } from "../engine/run.ts";
import { LAYER_IDS, type LayerId } from "../engine/types.ts";
import { ExitCode, InterruptedError, RefusedError, UsageError } from "../errors.ts";
import { exportPersistentAuth, importPersistentAuth } from "../auth/transfer.ts";
import { runPreflight } from "../preflight/registry.ts";
import "../preflight/core.ts";
import { runSeal } from "../sealing/mod.ts";
import { encryptText, loadIdentity } from "../state/identity.ts";
import { acquireLock } from "../state/lock.ts";
import { writeFileAtomic } from "../state/atomic.ts";
import type { LayerDefinition, RunEnv } from "../run/env.ts";
import type { Parsed } from "./args.ts";
import { openSession, type Session } from "./session.ts";
import { formatStatus, statusReport } from "./status.ts";

/** Runs `work` with Ctrl-C / SIGTERM wired to an AbortSignal. */
async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  const onSignal = () => ctl.abort(new InterruptedError());
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    return await work(ctl.signal);
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
}

/** Takes the state lock, records the run in the lab world, and runs `work` interruptibly. */
async function underLock(
  session: Session,
  command: string,
  work: (signal: AbortSignal) => Promise<number>,
): Promise<number> {
  const release = acquireLock(`${session.env.clusterDir}/lock`, command);
  try {
    await session.lab?.remember(command);
    return await interruptible(work);
  } finally {
    release();
  }
}

function engineOptions(session: Session, signal: AbortSignal): EngineOptions {
  const { env } = session;
  return {
    clock: env.clock,
    state: env.state,
    reporter: session.reporter,
    signal,
    random: env.lab?.random,
    limits: (resource) =>
      resource.startsWith("proxmox-host:") ? env.config.proxmox.vmCreateConcurrency : undefined,
    graceMs: 30_000,
  };
}

/** `--start-from` / `--only` → the layers to apply, in order. */
export function selectLayers(flags: Parsed): LayerDefinition[] {
  const only = flags.only as string | undefined;
  const from = flags["start-from"] as string | undefined;
  if (only && from) throw new UsageError("--only and --start-from cannot be combined");
  if (only) return [layerById(parseLayer(only, "--only"))];
  const start = from ? LAYER_IDS.indexOf(parseLayer(from, "--start-from")) : 0;
  return LAYERS.slice(start);
}

async function preflight(session: Session, layers: LayerDefinition[]): Promise<boolean> {
  const { ok } = await runPreflight({ env: session.env, layers }, session.reporter);
  return ok;
}

/**
 * The exit code of a run a layer stopped: 130 when interrupted; a step's own 3 (a precondition
 * such as an SSH host key to trust first) or 4 (refused by a safety rule, nothing changed), which
 * say what to do better than 1; any other step failure is 1, "a step failed".
 */
export function runExitCode(outcome: { interrupted: boolean; exitCode: number }): ExitCode {
  if (outcome.interrupted) return ExitCode.interrupted;
  if (outcome.exitCode === ExitCode.preflight || outcome.exitCode === ExitCode.refused) {
    return outcome.exitCode;
  }
  return ExitCode.stepFailed;
}

function finish(session: Session, started: number, exitCode: number, next?: string): number {
  session.reporter.event({
    type: "run.finished",
    ok: exitCode === 0,
    durationMs: session.env.clock.now() - started,
    exitCode,
    next,
  });
  return exitCode;
}

export async function bootstrap(flags: Parsed): Promise<number> {
  const layers = selectLayers(flags);
  const session = await openSession(flags, { startLab: true });
  const { env, reporter } = session;
  const started = env.clock.now();
  try {
    reporter.event({
      type: "run.started",
      command: "bootstrap",
      layers: layers.map((l) => l.id),
      at: started,
    });
    if (!await preflight(session, layers)) {
      return finish(session, started, ExitCode.preflight, "fix the failed checks above, or --skip-check=ID");
    }
    return await underLock(session, "bootstrap", async (signal) => {
      for (const layer of layers) {
        const checks = await runPreflight({ env, layers: [layer] }, reporter, undefined, "layer");
        if (!checks.ok) {
          return finish(
            session,
            started,
            ExitCode.preflight,
            "fix the failed checks above, or --skip-check=ID",
          );
        }
        const outcome = await applyLayer(
          { id: layer.id, steps: layer.steps(env) },
          engineOptions(session, signal),
        );
        if (!outcome.ok) {
          const rest = `--start-from=${layer.name}${session.lab ? " --lab" : ""}`;
          const rerun = `\`deno task bootstrap ${rest}\`; done steps are kept`;
          return finish(
            session,
            started,
            runExitCode(outcome),
            outcome.interrupted ? `re-run ${rerun}` : `fix the error above, then re-run ${rerun}`,
          );
        }
      }
      return finish(session, started, ExitCode.ok, `deno task status${session.lab ? " --lab" : ""}`);
    });
  } finally {
    await session.close();
  }
}

/** Which layers `destroy --from=LAYER` tears down, 03 first. */
export function destroyOrder(fromFlag: string | undefined, includingAuth: boolean): LayerId[] {
  if (!fromFlag) {
    throw new UsageError("destroy needs --from=LAYER", "e.g. --from=infrastructure (keeps layer 00)");
  }
  const from = parseLayer(fromFlag, "--from");
  const start = Math.max(LAYER_IDS.indexOf(from), includingAuth ? 0 : 1);
  return LAYER_IDS.slice(start).reverse();
}

export async function destroy(flags: Parsed): Promise<number> {
  const includingAuth = flags["including-persistent-auth"] === true;
  const from = flags.from as string | undefined;
  const order = destroyOrder(from, includingAuth);
  if (from && parseLayer(from, "--from") === "00-persistent-auth" && !includingAuth) {
    throw new RefusedError(
      "destroying layer 00 (persistent-auth) needs --including-persistent-auth",
      "it holds the keys every sealed secret and client depends on; add the flag and --confirm=<cluster name>",
    );
  }
  // the lab is started only once the destruction is confirmed: a refusal leaves everything as it was
  const session = await openSession(flags);
  const { env, reporter } = session;
  const started = env.clock.now();
  try {
    confirmDestroy(env.config.cluster.name, order, flags, env.state);
    await session.startLab();
    reporter.event({ type: "run.started", command: "destroy", layers: order, at: started });
    return await underLock(session, "destroy", async (signal) => {
      for (const id of order) {
        const layer = layerById(id);
        if (id === "00-persistent-auth") await backupPersistentAuth(session);
        const outcome = await destroyLayer(
          { id, steps: layer.steps(env) },
          { ...engineOptions(session, signal), allowProtected: id === "00-persistent-auth" },
        );
        if (!outcome.ok) return finish(session, started, runExitCode(outcome));
      }
      return finish(
        session,
        started,
        ExitCode.ok,
        order.includes("00-persistent-auth")
          ? undefined
          : `layer 00 was kept; \`deno task bootstrap${
            session.lab ? " --lab" : ""
          }\` builds the rest again from it`,
      );
    });
  } finally {
    await session.close();
  }
}

/**
 * The safety rule of `destroy`: layer 00 needs the cluster's name (`--confirm=NAME` or typed at the
 * prompt; `--yes` is not enough); other layers are confirmed at a terminal unless `--yes`.
 * Throws {@link RefusedError} (exit 4) before anything is touched.
 */
export function confirmDestroy(
  cluster: string,
  order: LayerId[],
  flags: Parsed,
  state: { layer(id: LayerId): { steps: Record<string, unknown> } | undefined },
  ask: { interactive: boolean; prompt(q: string): string | null; confirm(q: string): boolean } = {
    interactive: Deno.stdin.isTerminal(),
    prompt: (q) => prompt(q),
    confirm: (q) => confirm(q),
  },
): void {
  const applied = order.map((id) =>
    `${id} (${Object.keys(state.layer(id)?.steps ?? {}).length} steps applied)`
  );
  if (order.includes("00-persistent-auth")) {
    let typed = flags.confirm as string | undefined;
    if (typed === undefined && ask.interactive) {
      typed = ask.prompt(
        `This destroys ${applied.join(", ")}.\nLayer 00 holds the keys every sealed secret and client ` +
          `of cluster "${cluster}" depends on. Type the cluster's name to confirm:`,
      ) ?? undefined;
    }
    if (typed !== cluster) {
      throw new RefusedError(
        `layer 00 was not destroyed: the cluster name was not confirmed${
          typed ? ` ("${typed}" ≠ "${cluster}")` : ""
        }; nothing was changed`,
        `pass --confirm=${cluster} (or type it at the prompt); --yes alone is not enough`,
      );
    }
    return;
  }
  if (flags.yes !== true && ask.interactive) {
    if (!ask.confirm(`Destroy ${applied.join(", ")} of cluster "${cluster}"? Layer 00 is kept.`)) {
      throw new RefusedError("destroy was not confirmed; nothing was changed", "answer y, or pass --yes");
    }
  }
}

/** Writes an age-encrypted copy of layer 00's state before it is destroyed; prints its path. */
async function backupPersistentAuth(session: Session): Promise<void> {
  const { env } = session;
  const doc = env.state.layer("00-persistent-auth");
  if (!doc) return;
  const identity = await loadIdentity({ create: true, env: env.env });
  const path = `${env.clusterDir}/backups/00-persistent-auth-${
    new Date().toISOString().replace(/[:.]/g, "-")
  }.json.age`;
  await writeFileAtomic(path, await encryptText(identity!.recipient, JSON.stringify(doc)));
  session.reporter.event({
    type: "notice",
    level: "warn",
    message: `layer 00 backed up (age-encrypted) to ${path}`,
  });
}

export async function plan(flags: Parsed): Promise<number> {
  const session = await openSession(flags, { startLab: true });
  try {
    const result: Record<string, Record<string, unknown>> = {};
    for (const layer of selectLayers(flags)) {
      result[layer.id] = await planLayer(
        { id: layer.id, steps: layer.steps(session.env) },
        engineOptions(session, new AbortController().signal),
      );
    }
    if (flags.json) console.log(JSON.stringify({ plan: result }));
    else {
      for (const [layer, steps] of Object.entries(result)) {
        console.log(`${layer}${Object.keys(steps).length ? "" : ": nothing to do (no steps yet)"}`);
        for (
          const changes of Object.values(steps) as { action: string; resource: string; detail?: string }[][]
        ) {
          for (const c of changes) {
            console.log(`  ${c.action.padEnd(6)} ${c.resource}${c.detail ? ` (${c.detail})` : ""}`);
          }
        }
      }
    }
    return ExitCode.ok;
  } finally {
    await session.close();
  }
}

export async function status(flags: Parsed): Promise<number> {
  const session = await openSession(flags);
  try {
    const { env } = session;
    const report = statusReport(env.config.cluster.name, LAYERS.map((l) => l.id), env.state);
    const lab = session.lab
      ? { dir: session.lab.dir, createdAt: session.lab.meta.createdAt, runs: session.lab.meta.runs.length }
      : undefined;
    if (flags.json) console.log(JSON.stringify({ ...report, lab }));
    else {
      console.log(`cluster ${report.cluster} (state ${env.clusterDir})`);
      for (const line of formatStatus(report)) console.log(line);
      if (lab) console.log(`lab world ${lab.dir}: created ${lab.createdAt}, ${lab.runs} run(s) recorded`);
    }
    return ExitCode.ok;
  } finally {
    await session.close();
  }
}

export async function preflightOnly(flags: Parsed): Promise<number> {
  const layers = selectLayers(flags);
  const session = await openSession(flags, { startLab: true });
  try {
    const started = session.env.clock.now();
    session.reporter.event({
      type: "run.started",
      command: "preflight",
      layers: layers.map((l) => l.id),
      at: started,
    });
    const upfront = await preflight(session, layers);
    // the checks that normally run right before their layer; they warn where layer 00 has not run
    const perLayer = await runPreflight({ env: session.env, layers }, session.reporter, undefined, "layer");
    return finish(session, started, upfront && perLayer.ok ? ExitCode.ok : ExitCode.preflight);
  } finally {
    await session.close();
  }
}

/** Every layer's artifacts, by path under the render folder; private ones (with keys) 0600. */
export async function render(flags: Parsed): Promise<number> {
  const out = flags.out as string | undefined;
  if (!out) throw new UsageError("render needs --out DIR");
  const session = await openSession(flags);
  try {
    const { files, privateFiles, notes } = await renderArtifacts(session.env, LAYERS);
    for (const [path, text] of Object.entries(files)) {
      await writeFileAtomic(`${out}/${path}`, text, { mode: 0o644 });
    }
    for (const [path, text] of Object.entries(privateFiles)) {
      await writeFileAtomic(`${out}/${path}`, text, { mode: 0o600 });
    }
    const all = [...Object.keys(files), ...Object.keys(privateFiles)];
    if (flags.json) {
      console.log(JSON.stringify({ out, files: all, private: Object.keys(privateFiles), notes }));
    } else {
      console.log(`wrote ${all.length} file(s) to ${out}:`);
      for (const f of Object.keys(files)) console.log(`  ${f}`);
      for (const f of Object.keys(privateFiles)) {
        console.log(`  ${f}  (private: holds keys; mode 0600, keep it out of git)`);
      }
      for (const n of notes) console.log(`note: ${n}`);
    }
    return ExitCode.ok;
  } finally {
    await session.close();
  }
}

/**
 * Every layer's artifacts plus the normalized config, by path. Two layers claiming one path is a
 * programming error, caught here rather than silently overwritten.
 */
export async function renderArtifacts(
  env: RunEnv,
  layers: readonly LayerDefinition[],
): Promise<{ files: Record<string, string>; privateFiles: Record<string, string>; notes: string[] }> {
  const files: Record<string, string> = { "config.json": JSON.stringify(env.config, null, 2) + "\n" };
  const privateFiles: Record<string, string> = {};
  const notes: string[] = [];
  const owner: Record<string, string> = { "config.json": "strata" };
  for (const layer of layers) {
    const rendered = await layer.render?.(env);
    for (const [into, from] of [[files, rendered?.files], [privateFiles, rendered?.privateFiles]] as const) {
      for (const [path, text] of Object.entries(from ?? {})) {
        if (owner[path]) throw new Error(`render: ${layer.id} and ${owner[path]} both write ${path}`);
        owner[path] = layer.id;
        into[path] = text;
      }
    }
    notes.push(...rendered?.notes ?? []);
  }
  return { files, privateFiles, notes };
}

export function schema(): Promise<number> {
  console.log(JSON.stringify(configJsonSchema(), null, 2));
  return Promise.resolve(ExitCode.ok);
}

export async function lab(flags: Parsed, rest: string[]): Promise<number> {
  const action = rest[0];
  if (action === "reset") {
    const dir = labDir(
      (flags["state-dir"] as string | undefined) ?? Deno.env.get("STRATA_STATE_DIR") ?? ".strata",
    );
    await resetLab(dir);
    console.log(`lab world ${dir} wiped`);
    return ExitCode.ok;
  }
  if (action !== "serve") {
    throw new UsageError(`lab: unknown action "${action ?? ""}"`, "use `lab serve` or `lab reset`");
  }
  const session = await openSession({ ...flags, lab: true }, { startLab: true });
  try {
    await interruptible((signal) =>
      serveLab(session.lab!, { json: flags.json === true, write: (l) => console.log(l), signal })
    );
    return ExitCode.ok;
  } finally {
    await session.close();
  }
}

export async function seal(_flags: Parsed, rest: string[], rawArgs: string[]): Promise<number> {
  void rest;
  return await runSeal(rawArgs, {
    stdin: Deno.stdin.readable,
    stdout: Deno.stdout.writable,
    stderr: Deno.stderr.writable,
    defaultCert: async () => {
      const session = await openSession({});
      try {
        const cert = session.env.state.step("auth.sealed-secrets-key")?.output.certificate;
        if (typeof cert !== "string") {
          throw new UsageError(
            "no sealed-secrets certificate in state: layer 00 has not run",
            "run `deno task bootstrap --only=persistent-auth`, or pass --cert FILE",
          );
        }
        return cert;
      } finally {
        await session.close();
      }
    },
  });
}

export async function auth(flags: Parsed, rest: string[]): Promise<number> {
  const [action, file] = rest;
  const passphraseEnv = flags["passphrase-env"] as string | undefined;
  const passphrase = () => {
    const value = Deno.env.get(passphraseEnv!);
    if (!value) {
      throw new UsageError(`--passphrase-env: $${passphraseEnv} is empty`, `export ${passphraseEnv}=…`);
    }
    return value;
  };
  if (action === "export") {
    const out = flags.out as string | undefined;
    const recipient = flags.recipient as string | undefined;
    if (!out) throw new UsageError("auth export needs --out FILE");
    if (!recipient === !passphraseEnv) {
      throw new UsageError("auth export needs exactly one of --recipient=AGE1… or --passphrase-env=VAR");
    }
    const session = await openSession(flags);
    try {
      const text = await exportPersistentAuth(
        session.env.state,
        session.env.config.cluster.name,
        recipient ? { recipient } : { passphrase: passphrase() },
      );
      await writeFileAtomic(out, text);
      console.log(`layer 00 of ${session.env.config.cluster.name} exported (age-encrypted) to ${out}`);
      return ExitCode.ok;
    } finally {
      await session.close();
    }
  }
  if (action === "import") {
    if (!file) throw new UsageError("auth import needs FILE");
    const identityFile = flags.identity as string | undefined;
    if (!identityFile === !passphraseEnv) {
      throw new UsageError("auth import needs exactly one of --identity=FILE or --passphrase-env=VAR");
    }
    const session = await openSession(flags);
    try {
      const unlock = identityFile
        ? {
          identity: (await Deno.readTextFile(identityFile)).split("\n").find((l) =>
            l.startsWith("AGE-SECRET-KEY-1")
          ) ??
            "",
        }
        : { passphrase: passphrase() };
      const ids = await importPersistentAuth(
        session.env.state,
        session.env.config.cluster.name,
        await Deno.readTextFile(file),
        unlock,
      );
      console.log(`imported ${ids.length} layer-00 item(s): ${ids.join(", ")}`);
      return ExitCode.ok;
    } finally {
      await session.close();
    }
  }
  throw new UsageError(
    `auth: unknown action "${action ?? ""}"`,
    "use `auth export --out FILE` or `auth import FILE`",
  );
}
