import { escapeHtml as e } from "./html.ts";
import type { PublicMonitor } from "./status.ts";

const BADGE_COLORS: Record<string, string> = {
  UP: "#2da44e",
  DEGRADED: "#d4a72c",
  DOWN: "#cf222e",
  PENDING: "#8c959f",
  MAINTENANCE: "#0969da",
  UNKNOWN: "#6e7781",
};

/** Rough text width in px of 11px Verdana, enough for badge layout. */
function textWidth(text: string): number {
  return Math.round([...text].length * 6.5 + 10);
}

/**
 * Renders a flat status badge: `label | state · uptime`.
 *
 * @example
 * ```ts
 * // c.body(renderBadge(monitor, "web"), 200, { "content-type": "image/svg+xml" })
 * ```
 */
export function renderBadge(m: PublicMonitor, label = m.name): string {
  const uptime = m.uptime90d === null ? "" : ` · ${(m.uptime90d * 100).toFixed(2)}%`;
  const message = `${m.stateLabel}${uptime}`;
  const lw = textWidth(label), mw = textWidth(message), w = lw + mw;
  const color = BADGE_COLORS[m.state];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${
    e(label)
  }: ${e(message)}"><title>${e(label)}: ${e(message)}</title>
<rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${color}"/>
<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">
<text x="${lw / 2}" y="14">${e(label)}</text><text x="${lw + mw / 2}" y="14">${e(message)}</text></g></svg>`;
}
