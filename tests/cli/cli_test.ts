import { assert, assertEquals } from "../testing.ts";
import { readAll, readUntil, ROOT, snapshot, strata, strataCommand, tempWorkdir } from "./run.ts";

const COMMANDS: Record<string, string[]> = {
  bootstrap: [
    "--config",
    "--start-from",
    "--only",
    "--lab",
    "--yes",
    "--json",
    "--skip-check",
    "--allow-dirty",
    "--lab-trace",
    "--state-dir",
  ],
  destroy: ["--from", "--including-persistent-auth", "--confirm", "--yes", "--lab", "--state-dir"],
  plan: ["--config", "--lab", "--json"],
  status: ["--lab", "--json", "--state-dir"],
  preflight: ["--lab", "--skip-check", "--allow-dirty"],
  render: ["--out", "--config"],
  schema: [],
  lab: ["serve", "reset", "--lab-trace", "--state-dir"],
  seal: ["--cert", "--scope", "--raw"],
  auth: ["export", "import", "--recipient", "--identity", "--passphrase-env"],
};

Deno.test("every command has --help that names its flags and the exit codes", async () => {
  const cwd = await tempWorkdir();
  for (const [command, flags] of Object.entries(COMMANDS)) {
    const r = await strata(cwd, command, "--help");
    assertEquals(r.code, 0, `${command} --help`);
    for (const f of flags) assert(r.stdout.includes(f), `${command} --help lacks ${f}:\n${r.stdout}`);
  }
  const top = await strata(cwd, "--help");
  assertEquals(top.code, 0);
  for (const command of Object.keys(COMMANDS)) assert(top.stdout.includes(command));
  assert(top.stdout.includes("130 interrupted"));
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("usage errors exit 2: no command, unknown command, unknown flag, bad layer", async () => {
  const cwd = await tempWorkdir();
  assertEquals((await strata(cwd)).code, 2);
  assertEquals((await strata(cwd, "bootsrap")).code, 2);
  const typo = await strata(cwd, "bootstrap", "--lab", "--cofig", "x");
  assertEquals(typo.code, 2);
  assert(typo.stderr.includes("did you mean --config?"), typo.stderr);
  const layer = await strata(cwd, "bootstrap", "--lab", "--only=networking");
  assertEquals(layer.code, 2);
  assert(layer.stderr.includes("persistent-auth"), layer.stderr);
  assertEquals(Object.keys(snapshot(`${cwd}/.strata`)), []);
  // with --json the error is one JSON object too
  const json = await strata(cwd, "plan", "--lab", "--json", "--olny=01");
  assertEquals(json.code, 2);
  assertEquals(JSON.parse(json.stdout), {
    type: "error",
    message: "plan: unknown flag --olny",
    remedy: "did you mean --only? (see plan --help)",
    exitCode: 2,
  });
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("a bad config exits 2 and writes nothing: no state, no lock, no lab world", async () => {
  const cwd = await tempWorkdir();
  const corpus = `${ROOT}tests/config/malformed`;
  for (
    const name of [
      "duplicate-vmid.yaml",
      "vip-is-node.yaml",
      "typo-node-key.yaml",
      "not-a-mapping.yaml",
      "lab-vip-on-127-0-0-1.yaml", // only wrong for the lab: checked because of --lab
      "secret-in-config.yaml",
    ]
  ) {
    for (const command of ["bootstrap", "preflight", "status", "destroy"]) {
      const args = [
        command,
        "--lab",
        "--config",
        `${corpus}/${name}`,
        ...(command === "destroy" ? ["--from=03"] : []),
      ];
      const r = await strata(cwd, ...args);
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert(/:\d+:\d+: /.test(r.stderr), `no line:column in ${r.stderr}`);
      assert(
        !r.stderr.includes("8c5a2b7e-1f4d"),
        `a secret pasted into the config was printed:\n${r.stderr}`,
      );
    }
  }
  assertEquals([...Deno.readDirSync(cwd)].map((e) => e.name), ["home"]);
  assertEquals(Object.keys(snapshot(`${cwd}/home`)), [], "no age identity was created");
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("bootstrap --lab runs preflight and every layer; a re-run changes nothing; --json parses", async () => {
  const cwd = await tempWorkdir();
  const first = await strata(cwd, "bootstrap", "--lab");
  assertEquals(first.code, 0, first.stderr + first.stdout);
  for (
    const part of [
      "preflight:",
      "pass  config",
      "layer 00-persistent-auth",
      "layer 03-configuration",
      "Summary",
    ]
  ) {
    assert(first.stdout.includes(part), `missing ${part}:\n${first.stdout}`);
  }
  assert(first.stdout.includes("back it up"), "tells the user to back up the new age identity");
  const again = await strata(cwd, "bootstrap", "--lab", "--json");
  assertEquals(again.code, 0, again.stderr);
  const events = again.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const finished = events.filter((e) => e.type === "step.finished");
  const started = events.filter((e) => e.type === "step.started");
  assert(
    finished.length > 10 && finished.length === started.length,
    `${finished.length} of ${started.length} finished`,
  );
  assert(finished.every((e) => e.changed === false), JSON.stringify(finished.filter((e) => e.changed)));
  assertEquals(events.at(-1).type, "run.finished");
  for (const [i, line] of again.stdout.trim().split("\n").entries()) {
    assert(typeof JSON.parse(line).type === "string", `line ${i + 1} is not an event: ${line}`);
  }
  // after a full run, plan finds nothing to create
  const plan = await strata(cwd, "plan", "--lab", "--json");
  assertEquals(plan.code, 0, plan.stderr);
  const planned = JSON.parse(plan.stdout).plan as Record<string, Record<string, { action: string }[]>>;
  assertEquals(Object.keys(planned).length, 4);
  const creates = Object.values(planned).flatMap((steps) => Object.values(steps).flat())
    .filter((c) => c.action === "create");
  assertEquals(creates, [], "nothing left to create");
  const status = await strata(cwd, "status", "--lab", "--json");
  const doc = JSON.parse(status.stdout);
  assert(doc.layers[0].applied && doc.layers[0].steps["auth.talos-secrets"]);
  assertEquals(doc.lab.runs, 2, "the lab world remembers both bootstrap runs across commands");
  // no private key or token secret in plain text anywhere in strata's state (the lab world
  // under .strata/lab plays the Proxmox host, which does hold its tokens' secrets)
  const world = JSON.parse(Deno.readTextFileSync(`${cwd}/.strata/lab/world.json`));
  const tokenSecrets = Object.values(world.sections.proxmox.access.users["strata@pve"].tokens)
    .map((t) => (t as { secret: string }).secret);
  assertEquals(tokenSecrets.length, 2);
  for (const [file, text] of Object.entries(snapshot(`${cwd}/.strata/strata-lab`))) {
    assert(!/PRIVATE KEY/.test(text), `${file} holds a private key in plain text`);
    for (const secret of tokenSecrets) assert(!text.includes(secret), `${file} holds a token secret`);
  }
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("destroy keeps layer 00 unless asked and confirmed; refusals exit 4 and change nothing", async () => {
  const cwd = await tempWorkdir();
  assertEquals((await strata(cwd, "bootstrap", "--lab", "--only=00")).code, 0);
  const before = snapshot(`${cwd}/.strata`);
  for (
    const args of [
      ["--from=persistent-auth"],
      ["--from=00", "--including-persistent-auth", "--yes"],
      ["--from=00", "--including-persistent-auth", "--confirm=wrong-name"],
    ]
  ) {
    const r = await strata(cwd, "destroy", "--lab", ...args);
    assertEquals(r.code, 4, `${args.join(" ")}: ${r.stderr}`);
    assertEquals(snapshot(`${cwd}/.strata`), before, `${args.join(" ")} changed state`);
  }
  const layer00 = (files: Record<string, string>) =>
    Object.entries(files).filter(([path]) => path.includes("/00-persistent-auth"));
  const infra = await strata(cwd, "destroy", "--lab", "--from=infrastructure");
  assertEquals(infra.code, 0, infra.stdout + infra.stderr);
  for (const layer of ["03-configuration", "02-services", "01-infrastructure"]) {
    assert(infra.stdout.includes(`==> layer ${layer}`), `${layer} torn down:\n${infra.stdout}`);
  }
  assert(
    infra.stdout.indexOf("layer 03-configuration") < infra.stdout.indexOf("layer 01-infrastructure"),
    "in reverse order",
  );
  assert(!infra.stdout.includes("layer 00-persistent-auth"), infra.stdout);
  assert(layer00(before).length > 0, "layer 00 has state to protect");
  assertEquals(layer00(snapshot(`${cwd}/.strata`)), layer00(before), "layer 00's state is byte-identical");
  const kept = JSON.parse((await strata(cwd, "status", "--lab", "--json")).stdout);
  assert(kept.layers[0].applied, "layer 00 survives destroy --from=infrastructure");
  const gone = await strata(
    cwd,
    "destroy",
    "--lab",
    "--from=00",
    "--including-persistent-auth",
    "--confirm=strata-lab",
  );
  assertEquals(gone.code, 0, gone.stderr);
  assert(gone.stdout.includes("backed up"), gone.stdout);
  const after = JSON.parse((await strata(cwd, "status", "--lab", "--json")).stdout);
  assert(!after.layers[0].applied);
  assert(
    Object.keys(snapshot(`${cwd}/.strata/strata-lab/backups`)).length === 1,
    "an encrypted backup was written",
  );
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("preflight failure exits 3 before anything is touched", async () => {
  const cwd = await tempWorkdir();
  await Deno.mkdir(`${cwd}/.strata/strata-lab`, { recursive: true });
  // a live process holds the lock: this test's own pid
  Deno.writeTextFileSync(
    `${cwd}/.strata/strata-lab/lock`,
    JSON.stringify({ pid: Deno.pid, host: Deno.hostname(), startedAt: "now", command: "bootstrap" }),
  );
  const r = await strata(cwd, "bootstrap", "--lab");
  assertEquals(r.code, 3, r.stdout + r.stderr);
  assert(r.stdout.includes("FAIL  lock"), r.stdout);
  assertEquals(Object.keys(snapshot(`${cwd}/.strata/strata-lab`)), [`${cwd}/.strata/strata-lab/lock`]);
  const skipped = await strata(cwd, "preflight", "--lab", "--skip-check=lock", "--json");
  assertEquals(skipped.code, 0);
  assert(skipped.stdout.includes('"skipped by --skip-check=lock"'));
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("Ctrl-C (SIGINT) or SIGTERM during bootstrap exits 130 and keeps what was done", async () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) await interruptBootstrap(signal);
});

async function interruptBootstrap(signal: "SIGINT" | "SIGTERM"): Promise<void> {
  const cwd = await tempWorkdir();
  const child = strataCommand(cwd, ["bootstrap", "--lab"]).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen: string;
  try {
    seen = await readUntil(reader, "start   auth.");
  } catch (err) {
    const rest = await readAll(stderr);
    await child.status;
    throw new Error(`${(err as Error).message}\nstderr: ${rest}`);
  }
  child.kill(signal);
  seen = await readAll(reader, seen);
  await readAll(stderr);
  const { code } = await child.status;
  assertEquals(code, 130, `${signal}: ${seen}`);
  assert(!seen.includes("==> layer 01-infrastructure"), `a layer started after ${signal}:\n${seen}`);
  assert(/total .*, exit 130/.test(seen), `the summary says how the run ended:\n${seen}`);
  // the lock was released and the run resumes: what was done is kept, the rest is done now
  const resumed = await strata(cwd, "bootstrap", "--lab", "--only=persistent-auth");
  assertEquals(resumed.code, 0, resumed.stdout + resumed.stderr);
  await Deno.remove(cwd, { recursive: true });
}

Deno.test("schema prints a JSON Schema; render writes public artifacts, and files with keys 0600", async () => {
  const cwd = await tempWorkdir();
  const schema = JSON.parse((await strata(cwd, "schema")).stdout);
  assert(schema.properties.nodes && schema.title);
  const before = await strata(cwd, "render", "--lab", "--out", `${cwd}/early`);
  assertEquals(before.code, 0, before.stderr);
  assert(before.stdout.includes("layer 00 has not run yet, so talos/ and talosconfig are not rendered"));
  await strata(cwd, "bootstrap", "--lab", "--only=persistent-auth");
  const r = await strata(cwd, "render", "--lab", "--out", `${cwd}/out`);
  assertEquals(r.code, 0, r.stderr);
  const files = snapshot(`${cwd}/out`);
  const at = (path: string) => files[`${cwd}/out/${path}`];
  assert(at("auth/sealed-secrets.crt").startsWith("-----BEGIN CERTIFICATE-----"));
  assert(at("auth/flux-deploy-key.pub").startsWith("ssh-ed25519 "));
  const vms = JSON.parse(at("proxmox/vms.json"));
  assertEquals(Object.keys(vms.vms), ["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"]);
  assertEquals(vms.vms["cp-1"].params.vmid, 1101);
  assert(at("cilium/manifests.yaml").includes("kind: DaemonSet"));
  // machine configs and talosconfig embed layer 00's keys: private files, said so, mode 0600
  const privateFiles = [
    ...["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"].map((n) => `talos/${n}.yaml`),
    "talosconfig",
  ];
  for (const path of privateFiles) {
    assertEquals(Deno.statSync(`${cwd}/out/${path}`).mode! & 0o777, 0o600, path);
    assert(r.stdout.includes(`${path}  (private: holds keys`), r.stdout);
  }
  assert(at("talos/cp-1.yaml").includes("type: controlplane"));
  assert(at("talosconfig").includes("context: strata-lab"));
  // every other file is public: no private key, in PEM or base64 of PEM
  const pemKey = btoa("-----BEGIN");
  for (const [path, text] of Object.entries(files)) {
    if (privateFiles.some((p) => path.endsWith(`/out/${p}`))) continue;
    assert(!text.includes("PRIVATE KEY") && !text.includes(pemKey.slice(0, 12)), path);
  }
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("lab reset wipes the lab world but not the cluster state", async () => {
  const cwd = await tempWorkdir();
  await strata(cwd, "bootstrap", "--lab", "--only=00");
  assert(Deno.statSync(`${cwd}/.strata/lab/world.json`).isFile);
  assertEquals((await strata(cwd, "lab", "reset")).code, 0);
  assertEquals(snapshot(`${cwd}/.strata/lab`), {});
  assert(Deno.statSync(`${cwd}/.strata/strata-lab/layers/00-persistent-auth.json`).isFile);
  await Deno.remove(cwd, { recursive: true });
});
