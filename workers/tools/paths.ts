/** Absolute path of the `workers/` folder (where package.json and node_modules live). */
export const WORKERS_DIR = new URL("..", import.meta.url).pathname.replace(
  /\/$/,
  "",
);

/** Names of the workers (folders with a wrangler.jsonc). */
export function workerNames(): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(WORKERS_DIR)) {
    if (
      entry.isDirectory &&
      existsSync(`${WORKERS_DIR}/${entry.name}/wrangler.jsonc`)
    ) out.push(entry.name);
  }
  return out.sort();
}

export function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
