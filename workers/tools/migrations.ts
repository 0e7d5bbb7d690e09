/** Minimal D1 surface the migration runner needs (Miniflare's D1 proxy and the Workers binding both fit). */
export interface MigrationDb {
  prepare(
    sql: string,
  ): {
    bind(...v: unknown[]): unknown;
    all(): Promise<{ results: Record<string, unknown>[] }>;
  };
  batch(statements: unknown[]): Promise<unknown>;
}

/** Splits a migration file into statements (handles quotes and `--` comments). */
export function splitSql(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "-" && text[i + 1] === "-") {
      while (i < text.length && text[i] !== "\n") i++;
      cur += "\n";
    } else if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < text.length && !(text[j] === ch && text[j + 1] !== ch)) {
        j += text[j] === ch ? 2 : 1;
      }
      cur += text.slice(i, j + 1);
      i = j;
    } else if (ch === ";") {
      if (cur.trim()) out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/**
 * Applies `migrations/*.sql` in name order, each file in one batch, recording them in `d1_migrations`
 * the way `wrangler d1 migrations apply` does, so already-applied files are skipped.
 */
export async function applyMigrations(
  db: MigrationDb,
  dir: string,
): Promise<string[]> {
  await db.batch([
    db.prepare(
      `CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE,
       applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`,
    ),
  ]);
  const done = new Set(
    (await db.prepare("SELECT name FROM d1_migrations").all()).results.map((
      r,
    ) => r.name),
  );
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".sql")).sort();
  const applied: string[] = [];
  for (const name of files) {
    if (done.has(name)) continue;
    const statements: unknown[] = splitSql(
      await Deno.readTextFile(`${dir}/${name}`),
    ).map((s) => db.prepare(s));
    statements.push(
      db.prepare("INSERT INTO d1_migrations (name) VALUES (?1)").bind(name),
    );
    await db.batch(statements);
    applied.push(name);
  }
  return applied;
}
