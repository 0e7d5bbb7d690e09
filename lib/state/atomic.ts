/**
 * Atomic file writes: the text goes to a temp file beside the target, is fsynced, then renamed
 * over the target, and the folder is fsynced so the rename itself survives a power loss. A crash
 * at any point leaves either the old content or the new, never a torn file; at worst a
 * `<name>.tmp-<pid>-<random>` file is left behind, which readers ignore.
 *
 * @example
 * ```ts
 * await writeFileAtomic(".strata/homelab/layers/01-infrastructure.json", "{}\n");
 * ```
 */
import { processAlive } from "./process.ts";

export interface AtomicWriteOptions {
  /** File mode (default 0600, set exactly, whatever the umask). */
  mode?: number;
  /** Test hook: runs after the temp file is synced, before the rename. */
  beforeRename?: () => void | Promise<void>;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i > 0 ? path.slice(0, i) : i === 0 ? "/" : ".";
}

/** Creates the folder (and missing parents) with mode 0700; existing folders are left as they are. */
export async function ensureDir(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; d !== "." && d !== "/"; d = dirOf(d)) {
    try {
      await Deno.stat(d);
      break;
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      missing.unshift(d);
    }
  }
  for (const d of missing) {
    try {
      await Deno.mkdir(d, { mode: 0o700 });
      await Deno.chmod(d, 0o700); // mkdir's mode is filtered by the umask
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
  }
}

/** The name of a temp file for `path` written by process `pid`. */
export function tempPathFor(path: string, pid = Deno.pid): string {
  return `${path}.tmp-${pid}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Writes `text` to `path` atomically (see the module doc). */
export async function writeFileAtomic(
  path: string,
  text: string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirOf(path);
  await ensureDir(dir);
  const tmp = tempPathFor(path);
  const mode = options.mode ?? 0o600;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode });
  let renamed = false;
  try {
    try {
      await Deno.chmod(tmp, mode);
      const bytes = new TextEncoder().encode(text);
      for (let off = 0; off < bytes.length;) off += await file.write(bytes.subarray(off));
      await file.sync();
    } finally {
      file.close();
    }
    await options.beforeRename?.();
    await Deno.rename(tmp, path);
    renamed = true;
  } finally {
    if (!renamed) await Deno.remove(tmp).catch(() => undefined);
  }
  await syncDir(dir);
}

/** fsyncs a folder so a rename in it is durable; a no-op where folders cannot be opened. */
async function syncDir(dir: string): Promise<void> {
  let handle: Deno.FsFile | undefined;
  try {
    handle = await Deno.open(dir, { read: true });
    await handle.sync();
  } catch {
    // not supported on this platform: the rename is still atomic, only its durability is weaker
  } finally {
    handle?.close();
  }
}

/** Removes temp files left in `dir` by writers that died (their pid no longer exists). */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const m = entry.isFile ? /\.tmp-(\d+)-[0-9a-f]{8}$/.exec(entry.name) : null;
      if (m && !processAlive(Number(m[1]))) {
        await Deno.remove(`${dir}/${entry.name}`).catch(() => undefined);
        removed.push(entry.name);
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return removed;
}
