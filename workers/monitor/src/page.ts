import { escapeHtml as e } from "./html.ts";
import type { PublicMonitor, PublicStatus } from "./status.ts";

const COLORS: Record<string, string> = {
  UP: "#2da44e",
  DEGRADED: "#d4a72c",
  DOWN: "#cf222e",
  PENDING: "#8c959f",
  MAINTENANCE: "#0969da",
  UNKNOWN: "#6e7781",
};

function barColor(uptime: number | null): string {
  if (uptime === null) return "#d0d7de";
  if (uptime >= 0.999) return COLORS.UP;
  if (uptime >= 0.95) return COLORS.DEGRADED;
  return COLORS.DOWN;
}

/** An inline SVG polyline of recent latencies. */
export function sparkline(points: number[], width = 120, height = 24): string {
  if (points.length < 2) {
    return `<svg class="spark" width="${width}" height="${height}" aria-hidden="true"></svg>`;
  }
  const max = Math.max(...points, 1);
  const step = width / (points.length - 1);
  const coords = points.map((p, i) =>
    `${(i * step).toFixed(1)},${(height - 2 - (p / max) * (height - 4)).toFixed(1)}`
  );
  return `<svg class="spark" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" ` +
    `aria-label="response time, last ${points.length} checks, max ${max} ms"><polyline fill="none" ` +
    `stroke="#0969da" stroke-width="1.5" points="${coords.join(" ")}"/></svg>`;
}

function monitorRow(m: PublicMonitor): string {
  const bars = m.days.map((d) =>
    `<span class="bar" style="background:${barColor(d.uptime)}" title="${e(d.date)}: ${
      d.uptime === null ? "no data" : `${(d.uptime * 100).toFixed(2)}%`
    }"></span>`
  ).join("");
  const uptime = m.uptime90d === null ? "–" : `${(m.uptime90d * 100).toFixed(2)}%`;
  return `<li class="monitor" data-id="${e(m.id)}" data-state="${e(m.state)}">
  <div class="head"><span class="dot" style="background:${COLORS[m.state]}"></span>
    <strong>${e(m.name)}</strong> <span class="state">${e(m.stateLabel)}</span>
    ${m.target ? `<code class="target">${e(m.target)}</code>` : ""}
    <span class="meta">${m.latencyMs === null ? "" : `${m.latencyMs} ms · `}${uptime} (90 days)</span>
    ${sparkline(m.sparkline)}</div>
  ${m.description ? `<p class="desc">${e(m.description)}</p>` : ""}
  <div class="bars" aria-label="uptime per day, last 90 days">${bars}</div>
</li>`;
}

const HEADLINE: Record<PublicStatus["overall"], string> = {
  operational: "All systems operational",
  degraded: "Some systems degraded",
  outage: "Outage in progress",
  maintenance: "Maintenance in progress",
  unknown: "No monitors yet",
};

/**
 * Renders the public status page (server-side HTML, no scripts, every value escaped). It only ever sees
 * the public status model, so it cannot leak definitions, headers or secrets.
 *
 * @example
 * ```ts
 * // return c.html(renderStatusPage(await loadPublicStatus(env.DB, Date.now(), "Homelab")));
 * ```
 */
export function renderStatusPage(s: PublicStatus): string {
  const incidents = s.incidents.length
    ? `<ul class="incidents">${
      s.incidents.map((i) =>
        `<li class="${i.resolvedAt ? "resolved" : "active"}"><strong>${e(i.name)}</strong> down since ${
          e(i.startedAt)
        }${i.resolvedAt ? `, resolved ${e(i.resolvedAt)}` : " (ongoing)"}${
          i.cause ? ` — ${e(i.cause)}` : ""
        }</li>`
      ).join("")
    }</ul>`
    : "<p>No incidents in the last 7 days.</p>";
  const maintenance = s.maintenance.length
    ? `<ul class="maintenance">${
      s.maintenance.map((w) =>
        `<li class="${w.active ? "active" : "upcoming"}"><strong>${e(w.title)}</strong> ${
          w.active ? "in progress" : "scheduled"
        }: ${e(w.start)} – ${e(w.end)}${w.recurring ? " (recurring)" : ""}</li>`
      ).join("")
    }</ul>`
    : "<p>No maintenance scheduled.</p>";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(s.title)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:860px;margin:2rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.5rem}.overall{padding:.8rem 1rem;border-radius:6px;color:#fff;font-weight:600}
.operational{background:${COLORS.UP}}.degraded{background:${COLORS.DEGRADED}}.outage{background:${COLORS.DOWN}}
.maintenance-on{background:${COLORS.MAINTENANCE}}.unknown{background:${COLORS.PENDING}}
ul{list-style:none;padding:0}.monitor{border-bottom:1px solid #d0d7de;padding:.7rem 0}
.head{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}.dot{width:.8rem;height:.8rem;border-radius:50%}
.state,.meta{color:#656d76}.meta{margin-left:auto}.bars{display:flex;gap:1px;margin-top:.4rem}
.bar{flex:1;height:28px;border-radius:2px}.desc{margin:.2rem 0;color:#656d76}
</style></head>
<body>
<h1>${e(s.title)}</h1>
<div class="overall ${s.overall === "maintenance" ? "maintenance-on" : s.overall}">${
    HEADLINE[s.overall]
  }</div>
<h2>Services</h2>
<ul class="monitors">${s.monitors.map(monitorRow).join("\n")}</ul>
<h2>Incidents</h2>
${incidents}
<h2>Maintenance</h2>
${maintenance}
<footer><p>Checked from the Cloudflare edge. Updated ${e(s.generatedAt)}.
<a href="/api/v1/status">JSON</a></p></footer>
</body></html>`;
}
