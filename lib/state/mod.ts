/** strata's state: encrypted, checkpointed, locked. */
export { writeFileAtomic } from "./atomic.ts";
export { type AgeIdentity, decryptText, encryptText, identityPath, loadIdentity } from "./identity.ts";
export { acquireLock, LockedError, type LockInfo, readLock } from "./lock.ts";
export { type LayerDocument, migrate, PROTECTED_LAYERS, STATE_FORMAT, StateStore } from "./store.ts";
