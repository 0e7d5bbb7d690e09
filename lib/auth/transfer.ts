/**
 * Moving layer 00 between machines: `auth export` writes the persistent auth (public outputs
 * and decrypted secrets) as one age-encrypted file, to a recipient the user names or with a
 * passphrase; `auth import` reads it into this machine's state, re-encrypted to the local identity.
 *
 * @example
 * ```ts
 * const file = await exportPersistentAuth(state, "homelab", { recipient: "age1…" });
 * await importPersistentAuth(otherState, "homelab", file, { identity: "AGE-SECRET-KEY-1…" });
 * ```
 */
import * as age from "age-encryption";
import { RefusedError, StrataError, UsageError } from "../errors.ts";
import type { StepRecord } from "../engine/types.ts";
import type { StateStore } from "../state/store.ts";

const LAYER = "00-persistent-auth";
const KIND = "strata-persistent-auth";

interface Bundle {
  kind: typeof KIND;
  format: 1;
  cluster: string;
  exportedAt: string;
  steps: Record<string, { record: StepRecord; secret?: Record<string, unknown> }>;
}

export type Key = { recipient: string } | { passphrase: string };
export type Unlock = { identity: string } | { passphrase: string };

export async function exportPersistentAuth(state: StateStore, cluster: string, key: Key): Promise<string> {
  const doc = state.layer(LAYER);
  if (!doc || !Object.keys(doc.steps).length) {
    throw new UsageError(
      "layer 00 has no state to export",
      "run `deno task bootstrap --only=persistent-auth` first",
    );
  }
  const bundle: Bundle = { kind: KIND, format: 1, cluster, exportedAt: new Date().toISOString(), steps: {} };
  for (const [id, record] of Object.entries(doc.steps)) {
    bundle.steps[id] = { record, secret: record.hasSecret ? await state.secret(id) : undefined };
  }
  const e = new age.Encrypter();
  if ("recipient" in key) {
    if (!key.recipient.startsWith("age1")) {
      throw new UsageError("--recipient must be an age public key (age1…)");
    }
    e.addRecipient(key.recipient);
  } else {
    if (key.passphrase.length < 12) throw new UsageError("the passphrase must have at least 12 characters");
    e.setPassphrase(key.passphrase);
  }
  return age.armor.encode(await e.encrypt(JSON.stringify(bundle)));
}

/** Imports an export. Refuses (exit 4) when this machine already holds a different layer 00. */
export async function importPersistentAuth(
  state: StateStore,
  cluster: string,
  armored: string,
  unlock: Unlock,
): Promise<string[]> {
  const d = new age.Decrypter();
  if ("identity" in unlock) d.addIdentity(unlock.identity);
  else d.addPassphrase(unlock.passphrase);
  let bundle: Bundle;
  try {
    bundle = JSON.parse(await d.decrypt(age.armor.decode(armored), "text"));
  } catch (err) {
    throw new StrataError(
      `cannot decrypt the export: ${(err as Error).message}`,
      2,
      "use the identity of the recipient it was exported to, or the passphrase it was exported with",
    );
  }
  if (bundle.kind !== KIND || bundle.format !== 1) {
    throw new UsageError("not a strata persistent-auth export");
  }
  if (bundle.cluster !== cluster) {
    throw new RefusedError(
      `the export is of cluster "${bundle.cluster}", the config names "${cluster}"`,
      "import it with the matching config (--config)",
    );
  }
  const existing = state.layer(LAYER);
  for (const [id, { record, secret }] of Object.entries(bundle.steps)) {
    const mine = existing?.steps[id];
    if (!mine) continue;
    const same = JSON.stringify(mine.output) === JSON.stringify(record.output) &&
      JSON.stringify(await state.secret(id)) === JSON.stringify(secret);
    if (!same) {
      throw new RefusedError(
        `this machine already holds a different ${id} for cluster "${cluster}"`,
        "importing would replace keys in use; destroy layer 00 here first (it is backed up), then import",
      );
    }
  }
  const ids = Object.keys(bundle.steps);
  for (const id of ids) {
    const { record, secret } = bundle.steps[id];
    await state.record(LAYER, id, { output: record.output, secret }, record.durationMs, record.at);
  }
  await state.complete(LAYER);
  return ids;
}
