/** Field names whose values are never logged. */
const SECRET_KEY = /token|secret|authorization|password|webhook|apikey|api_key|cookie/i;

/** Replaces the values of secret-looking keys (recursively) with "[redacted]". */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? "[redacted]" : redact(v, depth + 1);
  }
  return out;
}

/**
 * Writes one JSON log line (`{level, event, ...fields}`) to the Worker's console, redacting secret-looking
 * fields so no token or webhook URL reaches `wrangler tail` or Logpush.
 *
 * @example
 * ```ts
 * import { log } from "./log.ts";
 * log("info", "tick_done", { due: 12, checked: 12 });
 * ```
 */
export function log(
  level: "debug" | "info" | "warn" | "error",
  event: string,
  fields: Record<string, unknown> = {},
) {
  const line = JSON.stringify({
    level,
    event,
    ...(redact(fields) as Record<string, unknown>),
  });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
