/**
 * Sizes in the config are strings with a binary unit (`512MiB`, `8GiB`, `1TiB`); the parsed config
 * carries them as numbers of MiB or GiB.
 *
 * @example
 * ```ts
 * sizeToMiB("8GiB"); // 8192
 * sizeToMiB("1.5GiB"); // 1536
 * ```
 */
const UNITS = { MiB: 1, GiB: 1024, TiB: 1024 * 1024 } as const;

/** The size in MiB (possibly fractional), or undefined when `text` is not a size. */
export function sizeToMiB(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(MiB|GiB|TiB)$/.exec(text);
  return m ? Number(m[1]) * UNITS[m[2] as keyof typeof UNITS] : undefined;
}

/** A size in MiB written with the largest unit that keeps it whole: 8192 → "8GiB". */
export function formatMiB(mib: number): string {
  if (mib >= UNITS.TiB && Number.isInteger(mib / UNITS.TiB)) return `${mib / UNITS.TiB}TiB`;
  if (mib >= UNITS.GiB && Number.isInteger(mib / UNITS.GiB)) return `${mib / UNITS.GiB}GiB`;
  return `${mib}MiB`;
}
