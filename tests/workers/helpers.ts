import assert from "node:assert/strict";
import type { MonitorWorker } from "../../workers/tools/miniflare.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

/** PUTs a definitions document and expects success. */
export async function putDefinitions(
  w: MonitorWorker,
  defs: unknown,
): Promise<Any> {
  const res = await w.fetch("/api/v1/monitors", {
    method: "PUT",
    body: JSON.stringify(defs),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

/** The monitor_state row of one monitor. */
export async function stateRow(w: MonitorWorker, id: string): Promise<Any> {
  return await w.db.prepare("SELECT * FROM monitor_state WHERE monitor_id = ?1")
    .bind(id).first();
}

/** States of several monitors, as an object id → state. */
export async function states(
  w: MonitorWorker,
  ids: string[],
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const id of ids) out[id] = (await stateRow(w, id))?.state;
  return out;
}

/** Start of a minute well away from real time, so injected tick times never collide with real ones. */
export function minuteAt(offsetMs: number): number {
  return Math.floor((Date.now() + offsetMs) / 60_000) * 60_000;
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
