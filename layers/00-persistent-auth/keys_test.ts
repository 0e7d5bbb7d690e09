import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { ManualClock } from "../../lib/clock/clock.ts";
import type { Step, StepContext, StepRecord, StepResult } from "../../lib/engine/types.ts";
import { StrataError, UsageError } from "../../lib/errors.ts";
import { generateSshKey, parseOpenSshEd25519 } from "../../lib/keys/ssh_key.ts";
import { parseTalosSecrets } from "../../lib/talos/secrets.ts";
import {
  FLUX_DEPLOY_KEY_STEP,
  fluxDeployKeyStep,
  persistentAuthKeySteps,
  SEALED_SECRETS_KEY_STEP,
  TALOS_SECRETS_STEP,
} from "./keys.ts";

const GITHUB = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const INPUT = {
  clusterName: "homelab",
  flux: { url: "ssh://git@github.com/me/homelab.git", knownHosts: GITHUB },
  talosVersion: "v1.13.9",
};

/** A minimal in-memory engine: checkpoints outputs and secrets per step id, as the real engine does. */
class FakeState {
  outputs = new Map<string, Record<string, unknown>>();
  secrets = new Map<string, Record<string, unknown>>();
  records = new Map<string, StepRecord>();
  notices: string[] = [];
  clock = new ManualClock(Date.parse("2026-02-03T04:05:06Z"));

  context(stepId: string): StepContext {
    return {
      layer: "00-persistent-auth",
      stepId,
      clock: this.clock,
      signal: new AbortController().signal,
      output: <T>(id: string) => this.outputs.get(id) as T | undefined,
      secret: <T>(id: string) => Promise.resolve(this.secrets.get(id) as T | undefined),
      previous: this.records.get(stepId),
      progress: () => {},
      notice: (m: string) => void this.notices.push(m),
    };
  }

  async run(step: Step): Promise<StepResult> {
    const result = (await step.apply(this.context(step.id))) ?? {};
    this.outputs.set(step.id, structuredClone(result.output ?? {}));
    if (result.secret) this.secrets.set(step.id, structuredClone(result.secret));
    this.records.set(step.id, {
      at: this.clock.now(),
      durationMs: 0,
      output: result.output ?? {},
      hasSecret: !!result.secret,
    });
    return result;
  }
}

const steps = persistentAuthKeySteps(INPUT);
const byId = (id: string) => steps.find((s) => s.id === id)!;

Deno.test("first run creates all three; a second run returns them unchanged", async () => {
  const state = new FakeState();
  const first = new Map<string, StepResult>();
  for (const s of steps) first.set(s.id, await state.run(s));
  for (const r of first.values()) assert.equal(r.changed, true);
  const snapshot = JSON.stringify([...state.outputs, ...state.secrets]);

  await state.clock.advance(86_400_000);
  for (const s of steps) {
    const again = await state.run(s);
    assert.equal(again.changed, false, `${s.id} unchanged on re-run`);
    assert.deepEqual(again.secret, first.get(s.id)!.secret, `${s.id} keeps its secret`);
    assert.deepEqual(again.output, first.get(s.id)!.output);
  }
  assert.equal(JSON.stringify([...state.outputs, ...state.secrets]), snapshot, "state byte-identical");
  assert.equal(state.notices.length, 1, "the deploy-key instruction is shown once, when the key is made");
  assert.match(state.notices[0], /deploy key[\s\S]*ssh-ed25519 /);
});

Deno.test("outputs hold public parts only; secrets hold the private parts", async () => {
  const state = new FakeState();
  for (const s of steps) await state.run(s);
  const publicText = JSON.stringify([...state.outputs.values()]);
  assert.doesNotMatch(publicText, /PRIVATE KEY/);
  const ss = state.secrets.get(SEALED_SECRETS_KEY_STEP) as { privateKey: string; certificate: string };
  const ssOut = state.outputs.get(SEALED_SECRETS_KEY_STEP) as { certificate: string; notAfter: string };
  assert.ok(
    createPublicKey(createPrivateKey(ss.privateKey)).equals(new X509Certificate(ssOut.certificate).publicKey),
  );
  assert.equal(
    new Date(new X509Certificate(ssOut.certificate).validFrom).toISOString(),
    "2026-02-03T04:05:06.000Z",
  );

  const flux = state.secrets.get(FLUX_DEPLOY_KEY_STEP) as { privateKey: string };
  const fluxOut = state.outputs.get(FLUX_DEPLOY_KEY_STEP) as { publicKey: string; knownHosts: string };
  assert.equal(parseOpenSshEd25519(flux.privateKey).comment, "flux@homelab");
  assert.match(fluxOut.publicKey, /^ssh-ed25519 \S+ flux@homelab$/);
  assert.equal(fluxOut.knownHosts, GITHUB);

  const talos = state.secrets.get(TALOS_SECRETS_STEP) as { bundle: unknown };
  const bundle = parseTalosSecrets(talos.bundle);
  const talosOut = state.outputs.get(TALOS_SECRETS_STEP) as { osCa: string };
  assert.equal(talosOut.osCa, Buffer.from(bundle.certs.os.crt, "base64").toString());
  for (
    const secretValue of [
      ss.privateKey,
      flux.privateKey,
      bundle.cluster.secret,
      bundle.secrets.bootstraptoken,
    ]
  ) {
    assert.ok(!publicText.includes(secretValue), "no secret value in public output");
  }
});

Deno.test("never regenerates: state says the key exists but its secret is unreadable -> stop", async () => {
  for (const id of [SEALED_SECRETS_KEY_STEP, FLUX_DEPLOY_KEY_STEP, TALOS_SECRETS_STEP]) {
    const state = new FakeState();
    await state.run(byId(id));
    const before = JSON.stringify(state.outputs.get(id));
    state.secrets.delete(id); // e.g. wrong age identity, truncated state
    await assert.rejects(
      () => state.run(byId(id)),
      (e) => e instanceof StrataError && /not readable/.test(e.message) && /auth import/.test(e.remedy ?? ""),
    );
    assert.equal(JSON.stringify(state.outputs.get(id)), before);
  }
});

Deno.test("a corrupt stored key fails loudly instead of being replaced", async () => {
  const state = new FakeState();
  await state.run(byId(SEALED_SECRETS_KEY_STEP));
  const other = new FakeState();
  await other.run(byId(SEALED_SECRETS_KEY_STEP));
  const mixed = { ...state.secrets.get(SEALED_SECRETS_KEY_STEP)! };
  mixed.privateKey = (other.secrets.get(SEALED_SECRETS_KEY_STEP) as { privateKey: string }).privateKey;
  state.secrets.set(SEALED_SECRETS_KEY_STEP, mixed);
  await assert.rejects(() => state.run(byId(SEALED_SECRETS_KEY_STEP)), /does not belong/);

  const t = new FakeState();
  await t.run(byId(TALOS_SECRETS_STEP));
  const bad = structuredClone(t.secrets.get(TALOS_SECRETS_STEP)) as {
    bundle: { trustdinfo: { token: string } };
  };
  bad.bundle.trustdinfo.token = "broken";
  t.secrets.set(TALOS_SECRETS_STEP, bad);
  await assert.rejects(() => t.run(byId(TALOS_SECRETS_STEP)), /trustdinfo.token/);
});

Deno.test("flux known_hosts comes from config: validated, and a change updates output but keeps the key", async () => {
  const state = new FakeState();
  await state.run(byId(FLUX_DEPLOY_KEY_STEP));
  const key = state.secrets.get(FLUX_DEPLOY_KEY_STEP);
  const second = (await generateSshKey("rotated host key")).publicKey.split(" ").slice(0, 2).join(" ");
  const extra = `github.com ${second}`;
  const changed = await state.run(
    fluxDeployKeyStep({ ...INPUT.flux, clusterName: "homelab", knownHosts: `${GITHUB}\n${extra}` }),
  );
  assert.equal(changed.changed, true);
  assert.deepEqual(changed.secret, key, "same deploy key");
  assert.equal((changed.output as { knownHosts: string }).knownHosts, `${GITHUB}\n${extra}`);

  const empty = fluxDeployKeyStep({ ...INPUT.flux, clusterName: "homelab", knownHosts: "" });
  await assert.rejects(
    () => new FakeState().run(empty),
    (e) => e instanceof UsageError && /ssh-keyscan/.test(e.remedy ?? ""),
  );
  const wrongHost = fluxDeployKeyStep({
    clusterName: "c",
    url: "ssh://git@gitlab.com/a/b.git",
    knownHosts: GITHUB,
  });
  await assert.rejects(
    () => new FakeState().run(wrongHost),
    (e) => e instanceof UsageError && /flux.knownHosts: .*gitlab.com/.test(e.message),
  );
});

Deno.test("plan says create before the first run and noop after", async () => {
  const state = new FakeState();
  for (const s of steps) {
    assert.deepEqual((await s.plan!(state.context(s.id))).map((c) => c.action), ["create"]);
  }
  for (const s of steps) await state.run(s);
  for (const s of steps) {
    assert.deepEqual((await s.plan!(state.context(s.id))).map((c) => c.action), ["noop"]);
  }
});
