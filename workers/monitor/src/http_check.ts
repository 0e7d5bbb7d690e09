import type { HttpMonitorDefinition } from "./definitions.ts";
import { type CheckBudget, type CheckResult, withRetries } from "./check.ts";
import { jsonEqual, readJsonPath } from "./jsonpath.ts";
import { resolveSecrets } from "./secrets.ts";

/** Bodies are read only as far as this, to bound CPU and memory per check. */
const MAX_BODY_BYTES = 1_048_576;

/** Does `status` match one of the expected specs (200, "2xx", "200-299")? */
export function statusMatches(
  status: number,
  expected: readonly (number | string)[],
): boolean {
  return expected.some((spec) => {
    if (typeof spec === "number") return status === spec;
    if (/^[1-5]xx$/.test(spec)) {
      return Math.floor(status / 100) === Number(spec[0]);
    }
    const [from, to = from] = spec.split("-").map(Number);
    return status >= from && status <= to;
  });
}

async function readBody(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_BODY_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  const all = new Uint8Array(Math.min(size, MAX_BODY_BYTES));
  let offset = 0;
  for (const c of chunks) {
    all.set(c.subarray(0, all.length - offset), offset);
    offset += Math.min(c.byteLength, all.length - offset);
  }
  return new TextDecoder().decode(all);
}

/** Judges a final (non-redirect) response against the monitor's expectations; null when it passes. */
export async function judgeResponse(
  m: HttpMonitorDefinition,
  res: Response,
): Promise<string | null> {
  if (!statusMatches(res.status, m.expectedStatus)) {
    await res.body?.cancel().catch(() => {});
    return `expected status ${m.expectedStatus.join(", ")}, got ${res.status}`;
  }
  const needsBody = m.keyword !== undefined || m.keywordAbsent !== undefined ||
    m.regex !== undefined ||
    m.jsonPath !== undefined;
  if (!needsBody) {
    await res.body?.cancel().catch(() => {});
    return null;
  }
  const body = await readBody(res);
  if (m.keyword !== undefined && !body.includes(m.keyword)) {
    return `keyword "${m.keyword}" not found in the body`;
  }
  if (m.keywordAbsent !== undefined && body.includes(m.keywordAbsent)) {
    return `keyword "${m.keywordAbsent}" found in the body but must be absent`;
  }
  if (m.regex !== undefined && !new RegExp(m.regex).test(body)) {
    return `body does not match /${m.regex}/`;
  }
  if (m.jsonPath !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return `body is not JSON (needed for jsonPath ${m.jsonPath.path})`;
    }
    const got = readJsonPath(parsed, m.jsonPath.path);
    if (!got.found) return `${m.jsonPath.path} not found in the JSON body`;
    if (!jsonEqual(got.value, m.jsonPath.equals)) {
      return `${m.jsonPath.path} is ${JSON.stringify(got.value)?.slice(0, 100)}, expected ${
        JSON.stringify(m.jsonPath.equals).slice(0, 100)
      }`;
    }
  }
  return null;
}

async function attemptHttp(
  m: HttpMonitorDefinition,
  env: Record<string, unknown>,
  takeFirst: () => boolean,
  budget: CheckBudget,
): Promise<Omit<CheckResult, "attempts">> {
  const url = resolveSecrets(m.url, env);
  if (url.missing !== undefined) return secretMissing(url.missing);
  let payload: string | undefined;
  if (m.body !== undefined) {
    const body = resolveSecrets(m.body, env);
    if (body.missing !== undefined) return secretMissing(body.missing);
    payload = body.value;
  }
  const headers: Record<string, string> = {};
  for (const [name, raw] of Object.entries(m.headers)) {
    const v = resolveSecrets(raw, env);
    if (v.missing !== undefined) return secretMissing(v.missing);
    headers[name] = v.value;
  }
  headers["user-agent"] ??= "strata-edge-monitor/1";

  const signal = AbortSignal.timeout(m.timeoutMs);
  const started = Date.now();
  let target: string = url.value;
  let method: string = m.method;
  try {
    for (let hop = 0;; hop++) {
      // The first request of an attempt is paid by the caller's grant, every redirect hop from the reserve.
      if (!(hop === 0 ? takeFirst() : budget.extra())) {
        return hop === 0 ? skipped() : down(
          null,
          null,
          "subrequest budget exhausted while following redirects",
        );
      }
      const res = await fetch(target, {
        method,
        headers,
        body: payload,
        redirect: "manual",
        signal,
      });
      const location = res.headers.get("location");
      if (
        res.status >= 300 && res.status < 400 && location &&
        m.followRedirects && hop < m.maxRedirects
      ) {
        await res.body?.cancel().catch(() => {});
        target = new URL(location, target).toString();
        if (
          res.status === 303 ||
          ((res.status === 301 || res.status === 302) && method === "POST")
        ) {
          method = "GET";
          payload = undefined;
        }
        continue;
      }
      const failure = await judgeResponse(m, res);
      const latency = Date.now() - started;
      if (failure) return down(latency, res.status, failure);
      const slow = m.degradedAboveMs !== undefined &&
        latency > m.degradedAboveMs;
      return {
        outcome: slow ? "degraded" : "up",
        latencyMs: latency,
        status: res.status,
        error: slow ? `slow: ${latency} ms > ${m.degradedAboveMs} ms` : null,
      };
    }
  } catch (e) {
    const latency = Date.now() - started;
    if (signal.aborted) {
      return down(latency, null, `timed out after ${m.timeoutMs} ms`);
    }
    return down(latency, null, `request failed: ${(e as Error).message ?? e}`);
  }
}

function down(
  latencyMs: number | null,
  status: number | null,
  error: string,
): Omit<CheckResult, "attempts"> {
  return { outcome: "down", latencyMs, status, error };
}
function skipped(): Omit<CheckResult, "attempts"> {
  return {
    outcome: "skipped",
    latencyMs: null,
    status: null,
    error: "subrequest budget exhausted",
  };
}
function secretMissing(name: string): Omit<CheckResult, "attempts"> {
  return down(
    null,
    null,
    `secret ${name} is not set in the Worker env (wrangler secret put ${name})`,
  );
}

/**
 * Runs an HTTP(S) check: method, headers, body, expected statuses, keyword present/absent, regex,
 * JSON path equality, latency threshold for DEGRADED, manual redirect following (each hop is a
 * subrequest and is paid from the budget), and one overall timeout per attempt.
 *
 * @example
 * ```ts
 * // inside a shard: const result = await checkHttp(monitor, env, shardBudget);
 * ```
 */
export function checkHttp(
  m: HttpMonitorDefinition,
  env: Record<string, unknown>,
  budget: CheckBudget,
): Promise<CheckResult> {
  return withRetries(
    m.retries,
    budget,
    (take) => attemptHttp(m, env, take, budget),
  );
}
