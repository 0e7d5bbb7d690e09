/** A parsed 5-field cron expression (minute hour day-of-month month day-of-week), evaluated in UTC. */
export interface CronSchedule {
  readonly source: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly daysOfWeek: ReadonlySet<number>;
  /** Vixie-cron rule: when both day fields are restricted, a day matches if either does. */
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
}

const MONTHS = [
  "jan",
  "feb",
  "mar",
  "apr",
  "may",
  "jun",
  "jul",
  "aug",
  "sep",
  "oct",
  "nov",
  "dec",
];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, offset: 1 },
  { name: "day of week", min: 0, max: 7, names: DAYS, offset: 0 },
] as const;

function parseValue(raw: string, field: (typeof FIELDS)[number]): number {
  const names = "names" in field ? field.names : undefined;
  const named = names?.indexOf(raw.toLowerCase()) ?? -1;
  if (named >= 0) return named + ("offset" in field ? field.offset : 0);
  if (!/^\d+$/.test(raw)) {
    throw new Error(`${field.name}: "${raw}" is not a number`);
  }
  const n = Number(raw);
  if (n < field.min || n > field.max) {
    throw new Error(`${field.name}: ${n} is outside ${field.min}-${field.max}`);
  }
  return n;
}

function parseField(text: string, field: (typeof FIELDS)[number]): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) {
      throw new Error(`${field.name}: bad step "${stepText}"`);
    }
    let from: number, to: number;
    if (range === "*") [from, to] = [field.min, field.max];
    else if (range.includes("-")) {
      const [a, b] = range.split("-");
      [from, to] = [parseValue(a, field), parseValue(b, field)];
      if (from > to) {
        throw new Error(`${field.name}: range ${range} runs backwards`);
      }
    } else {
      from = parseValue(range, field);
      to = stepText === undefined ? from : field.max;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/**
 * Parses a standard 5-field cron expression; throws an Error naming the bad field.
 *
 * @example
 * ```ts
 * import { parseCron, cronMatches } from "./cron.ts";
 * const sundays3am = parseCron("0 3 * * sun");
 * cronMatches(sundays3am, Date.UTC(2025, 0, 5, 3, 0)); // true (a Sunday)
 * ```
 */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw new Error(
      `cron "${expression}" must have 5 fields (minute hour day-of-month month day-of-week)`,
    );
  }
  const [minutes, hours, daysOfMonth, months, dowRaw] = parts.map((p, i) => parseField(p, FIELDS[i]));
  const daysOfWeek = new Set([...dowRaw].map((d) => d % 7));
  return {
    source: expression,
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    domRestricted: parts[2] !== "*",
    dowRestricted: parts[4] !== "*",
  };
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.daysOfMonth.has(d.getUTCDate());
  const dow = s.daysOfWeek.has(d.getUTCDay());
  if (s.domRestricted && s.dowRestricted) return dom || dow;
  return dom && dow;
}

/** True when the minute containing `at` (epoch ms) is a fire time of `s`. */
export function cronMatches(s: CronSchedule, at: number): boolean {
  const d = new Date(at);
  return s.minutes.has(d.getUTCMinutes()) && s.hours.has(d.getUTCHours()) &&
    s.months.has(d.getUTCMonth() + 1) && dayMatches(s, d);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The latest fire time ≤ `at` within `lookbackMinutes`, or null. Skips whole days and hours that cannot
 * match, so a week of lookback costs at most a few hundred steps.
 */
export function previousFire(
  s: CronSchedule,
  at: number,
  lookbackMinutes: number,
): number | null {
  const earliest = at - lookbackMinutes * MINUTE;
  let t = Math.floor(at / MINUTE) * MINUTE;
  while (t >= earliest) {
    const d = new Date(t);
    if (!s.months.has(d.getUTCMonth() + 1) || !dayMatches(s, d)) {
      t = Math.floor(t / DAY) * DAY - MINUTE; // last minute of the previous day
    } else if (!s.hours.has(d.getUTCHours())) {
      t = Math.floor(t / HOUR) * HOUR - MINUTE;
    } else if (!s.minutes.has(d.getUTCMinutes())) {
      t -= MINUTE;
    } else return t;
  }
  return null;
}

/** The earliest fire time ≥ `from` within `lookaheadMinutes`, or null. */
export function nextFire(
  s: CronSchedule,
  from: number,
  lookaheadMinutes: number,
): number | null {
  const latest = from + lookaheadMinutes * MINUTE;
  let t = Math.ceil(from / MINUTE) * MINUTE;
  while (t <= latest) {
    const d = new Date(t);
    if (!s.months.has(d.getUTCMonth() + 1) || !dayMatches(s, d)) {
      t = (Math.floor(t / DAY) + 1) * DAY;
    } else if (!s.hours.has(d.getUTCHours())) {
      t = (Math.floor(t / HOUR) + 1) * HOUR;
    } else if (!s.minutes.has(d.getUTCMinutes())) t += MINUTE;
    else return t;
  }
  return null;
}
