/**
 * strata's state: per-layer JSON documents with age-encrypted secrets, atomic writes, a run lock,
 * format migrations and layer protection. See store.ts for the layout and docs/safety-model.md.
 *
 * @example
 * ```ts
 * import { StateStore } from "./lib/state/mod.ts";
 * const state = await StateStore.open({ dir: ".strata", cluster: "homelab" });
 * const release = state.lock("bootstrap");
 * try {
 *   console.log(state.layer("01-infrastructure")?.completedAt);
 * } finally {
 *   release();
 * }
 * ```
 */
export { ensureDir, removeStaleTempFiles, writeFileAtomic } from "./atomic.ts";
export {
  type AgeIdentity,
  decryptText,
  encryptText,
  identityCreatedMessage,
  identityPath,
  loadIdentity,
} from "./identity.ts";
export { acquireLock, currentHolder, LockedError, type LockInfo, readLock } from "./lock.ts";
export {
  damaged,
  type LastRun,
  type LayerDocument,
  migrate,
  MIGRATIONS,
  STATE_FORMAT,
} from "./migrations.ts";
export { bootId, processAlive, processStartTime } from "./process.ts";
export { PROTECTED_LAYERS, type ProtectedOptions, StateStore, type StateStoreOptions } from "./store.ts";
