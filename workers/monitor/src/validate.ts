import type { z } from "zod";
import { parseCron } from "./cron.ts";
import { type Definitions, DefinitionsSchema } from "./definitions.ts";

/** One bad field: a JSONPath-like location (`monitors[2].url`) and what is wrong with it. */
export interface FieldError {
  path: string;
  message: string;
}

export type ValidationResult =
  | { ok: true; value: Definitions; warnings: string[] }
  | { ok: false; errors: FieldError[] };

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : `${out ? "." : ""}${String(part)}`;
  }
  return out || "(root)";
}

function issueErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: formatPath(issue.path),
    message: issue.message,
  }));
}

/**
 * Validates a whole definitions document (`{ monitors, maintenance }`): schema, then cross-field rules
 * (unique ids, parents exist and form no cycle, maintenance targets exist, window shapes, cron syntax).
 * Either everything is valid or every bad field is reported, so nothing is ever half applied.
 *
 * @example
 * ```ts
 * import { validateDefinitions } from "./validate.ts";
 * const r = validateDefinitions({ monitors: [{ id: "web", name: "Web", type: "http", url: "https://example.com" }] });
 * if (!r.ok) console.log(r.errors);
 * ```
 */
export function validateDefinitions(input: unknown): ValidationResult {
  const parsed = DefinitionsSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: issueErrors(parsed.error) };
  const defs = parsed.data;
  const errors: FieldError[] = [];
  const warnings: string[] = [];

  const byId = new Map<string, number>();
  defs.monitors.forEach((m, i) => {
    if (byId.has(m.id)) {
      errors.push({
        path: `monitors[${i}].id`,
        message: `duplicate id "${m.id}" (also monitors[${byId.get(m.id)}])`,
      });
    } else byId.set(m.id, i);
  });
  defs.monitors.forEach((m, i) => {
    if (m.parent === undefined) return;
    if (m.parent === m.id) {
      errors.push({
        path: `monitors[${i}].parent`,
        message: "a monitor cannot be its own parent",
      });
    } else if (!byId.has(m.parent)) {
      errors.push({
        path: `monitors[${i}].parent`,
        message: `unknown monitor id "${m.parent}"`,
      });
    }
  });
  if (errors.length === 0) {
    const parentOf = new Map(defs.monitors.map((m) => [m.id, m.parent]));
    defs.monitors.forEach((m, i) => {
      const seen = new Set<string>([m.id]);
      for (let p = m.parent; p !== undefined; p = parentOf.get(p)) {
        if (seen.has(p)) {
          errors.push({
            path: `monitors[${i}].parent`,
            message: `parent chain of "${m.id}" forms a cycle`,
          });
          break;
        }
        seen.add(p);
      }
    });
  }
  defs.monitors.forEach((m) => {
    if (m.type === "tcp") {
      warnings.push(
        `monitor "${m.id}": TCP checks cannot reach hosts behind the Cloudflare proxy (orange-cloud records or ` +
          `Cloudflare IPs); point "host" at a DNS-only name or a direct IP`,
      );
    }
    if (m.type === "http" && m.keyword !== undefined && m.method === "HEAD") {
      warnings.push(
        `monitor "${m.id}": keyword checks see an empty body with method HEAD`,
      );
    }
  });

  const windowIds = new Set<string>();
  defs.maintenance.forEach((w, i) => {
    const at = `maintenance[${i}]`;
    if (windowIds.has(w.id)) {
      errors.push({ path: `${at}.id`, message: `duplicate id "${w.id}"` });
    }
    windowIds.add(w.id);
    w.monitors.forEach((id, j) => {
      if (id !== "*" && !byId.has(id)) {
        errors.push({
          path: `${at}.monitors[${j}]`,
          message: `unknown monitor id "${id}"`,
        });
      }
    });
    const oneOff = w.start !== undefined || w.end !== undefined;
    const recurring = w.cron !== undefined || w.durationMinutes !== undefined;
    if (oneOff === recurring) {
      errors.push({
        path: at,
        message: 'give either "start" and "end" (one-off) or "cron" and "durationMinutes"',
      });
    } else if (oneOff) {
      if (w.start === undefined) {
        errors.push({ path: `${at}.start`, message: "required with end" });
      }
      if (w.end === undefined) {
        errors.push({ path: `${at}.end`, message: "required with start" });
      }
      if (w.start && w.end && Date.parse(w.end) <= Date.parse(w.start)) {
        errors.push({ path: `${at}.end`, message: "must be after start" });
      }
    } else {
      if (w.durationMinutes === undefined) {
        errors.push({
          path: `${at}.durationMinutes`,
          message: "required with cron",
        });
      }
      if (w.cron === undefined) {
        errors.push({
          path: `${at}.cron`,
          message: "required with durationMinutes",
        });
      } else {
        try {
          parseCron(w.cron);
        } catch (e) {
          errors.push({ path: `${at}.cron`, message: (e as Error).message });
        }
      }
    }
  });
  return errors.length ? { ok: false, errors } : { ok: true, value: defs, warnings };
}
