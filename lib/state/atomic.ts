/**
 * Atomic file writes: temp file, fsync, rename. A crash at any point leaves either the old
 * content or the new, never a torn file.
 *
 * @example
 * ```ts
 * await writeFileAtomic(".strata/lab/layers/00.json", "{}");
 * ```
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  options: { mode?: number; beforeRename?: () => void | Promise<void> } = {},
): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/")) || ".";
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode: options.mode ?? 0o600 });
  try {
    await file.write(new TextEncoder().encode(text));
    await file.sync();
  } finally {
    file.close();
  }
  await options.beforeRename?.();
  await Deno.rename(tmp, path);
}
