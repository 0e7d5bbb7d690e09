/**
 * What every cluster command sets up first: the config (exit 2 when bad, nothing written),
 * the reporter, the state, and with `--lab` the emulated world.
 */
import { labAddress } from "../../lab/address.ts";
import { type LabRuntime, openLab } from "../../lab/mod.ts";
import { systemClock } from "../clock/clock.ts";
import { loadConfig } from "../config/load.ts";
import type { Reporter } from "../engine/types.ts";
import { createReporter } from "../report/mod.ts";
import type { RunEnv } from "../run/env.ts";
import { StateStore } from "../state/store.ts";
import type { Parsed } from "./args.ts";

export interface Session {
  env: RunEnv;
  reporter: Reporter;
  lab?: LabRuntime;
  /** Starts the lab's emulators (once; a no-op without `--lab`). */
  startLab(): Promise<void>;
  close(): Promise<void>;
}

/** `cluster.yaml`, or with `--lab` the lab example (from the working directory or this checkout). */
export function defaultConfigPath(lab: boolean): string {
  if (!lab) return "cluster.yaml";
  try {
    Deno.statSync("examples/lab.yaml");
    return "examples/lab.yaml";
  } catch {
    return new URL("../../examples/lab.yaml", import.meta.url).pathname;
  }
}

export function stateDirOf(flags: Parsed, env: Record<string, string | undefined>): string {
  return (flags["state-dir"] as string | undefined) ?? env.STRATA_STATE_DIR ?? ".strata";
}

/** With `startLab`, the lab's emulators are started before anything else runs (preflight talks to them). */
export async function openSession(
  flags: Parsed,
  options: { reporter?: Reporter; startLab?: boolean } = {},
): Promise<Session> {
  const processEnv = Deno.env.toObject();
  const lab = flags.lab === true;
  // with --lab the config is also checked for the lab (its addresses must map onto loopback), so such a
  // problem is a config error at its line, before anything is opened
  const loaded = await loadConfig((flags.config as string | undefined) ?? defaultConfigPath(lab), { lab });
  const stateDir = stateDirOf(flags, processEnv);
  const { config } = loaded;
  // opening the lab reads its world and writes nothing; its clock drives the reporter's elapsed times
  const labRuntime = lab
    ? await openLab({ stateDir, config, traceFile: flags["lab-trace"] as string | undefined })
    : undefined;
  const clock = labRuntime?.clock ?? systemClock;
  const reporter = options.reporter ??
    createReporter({ json: flags.json === true, env: processEnv, now: () => clock.now() });
  const state = await StateStore.open({
    dir: stateDir,
    cluster: config.cluster.name,
    env: processEnv,
    onIdentityCreated: (id) =>
      reporter.event({
        type: "notice",
        level: "warn",
        message: `created the age identity that encrypts strata's secrets at ${id.source}: back it up ` +
          `(public key ${id.recipient}); without it the state cannot be decrypted`,
      }),
  }).catch(async (err) => {
    await labRuntime?.close();
    await reporter.close();
    throw err;
  });
  const env: RunEnv = {
    config,
    configFile: loaded.file,
    configWarnings: loaded.warnings,
    stateDir,
    clusterDir: `${stateDir}/${config.cluster.name}`,
    state,
    clock,
    flags: {
      yes: flags.yes === true,
      json: flags.json === true,
      allowDirty: flags["allow-dirty"] === true,
      skipChecks: (flags["skip-check"] as string[] | undefined) ?? [],
      trustNewHostKey: flags["trust-new-host-key"] === true,
      rotateProxmoxTokens: flags["rotate-proxmox-tokens"] === true,
      purgeVolumes: flags["purge-volumes"] === true,
    },
    env: processEnv,
    lab: labRuntime,
    dial: lab ? labAddress : (ip) => ip,
  };
  for (const host of config.proxmox.hosts.filter((h) => h.insecure)) {
    reporter.event({
      type: "notice",
      level: "warn",
      message: `proxmox.hosts ${host.name}: insecure: true turns TLS verification off for ${host.api}`,
    });
  }
  let started: Promise<void> | undefined;
  const startLab = () =>
    started ??= labRuntime?.start().catch(async (err) => {
      await labRuntime.close();
      throw err;
    }) ?? Promise.resolve();
  if (options.startLab) await startLab();
  return {
    env,
    reporter,
    lab: labRuntime,
    startLab,
    close: async () => {
      await labRuntime?.close();
      await reporter.close();
    },
  };
}
