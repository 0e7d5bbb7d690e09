/**
 * Errors of the Proxmox client: API answers keep PVE's message and per-parameter `errors`; failed
 * tasks carry their exit status and the tail of their log; TLS failures name the host and the fix.
 * {@link isTransientProxmoxError} decides what is worth retrying.
 *
 * @example
 * ```ts
 * try { await pve.post("/nodes/pve1/qemu", params); } catch (err) {
 *   if (err instanceof ProxmoxApiError) console.log(err.status, err.errors);
 * }
 * ```
 */
import { ExitCode, StrataError } from "../errors.ts";

/** An error answer of the API: HTTP status, PVE's message and, for 400, the per-parameter errors. */
export class ProxmoxApiError extends StrataError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    /** PVE's message (first line of it when it has several), without the trailing newline. */
    readonly reason: string,
    readonly errors?: Record<string, string>,
    remedy?: string,
  ) {
    const detail = errors
      ? "\n" +
        Object.entries(errors).map(([k, v]) => `  ${k}: ${v.trimEnd().replace(/\n/g, "\n    ")}`).join("\n")
      : "";
    super(`Proxmox API ${method} ${path} failed: ${status} ${reason}${detail}`, ExitCode.stepFailed, remedy);
  }
}

/** A task (UPID) that stopped with an exit status other than `OK` / `WARNINGS: n`. */
export class ProxmoxTaskError extends StrataError {
  constructor(
    readonly upid: string,
    readonly exitstatus: string,
    /** The last lines of the task log. */
    readonly logTail: string[],
  ) {
    super(
      `Proxmox task ${upid} failed: ${exitstatus}` +
        (logTail.length ? `\n  task log (last ${logTail.length} lines):\n    ${logTail.join("\n    ")}` : ""),
    );
  }
}

/** The API's certificate could not be verified (never retried: it will not fix itself). */
export class ProxmoxTlsError extends StrataError {
  constructor(message: string, remedy: string) {
    super(message, ExitCode.stepFailed, remedy);
  }
}

/** "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout": another task holds the VM. */
export const LOCK_TIMEOUT = /can't lock file '[^']*' - got timeout/;

/**
 * True for failures worth retrying: connection resets and refusals, 502/503/595 and config lock
 * timeouts (from an API call or a task). Everything else (400, 401, 403, 500 with a real error,
 * TLS failures) is not.
 */
export function isTransientProxmoxError(err: unknown): boolean {
  if (err instanceof ProxmoxTlsError) return false;
  if (err instanceof ProxmoxApiError) {
    return [502, 503, 595].includes(err.status) || LOCK_TIMEOUT.test(err.reason);
  }
  if (err instanceof ProxmoxTaskError) return LOCK_TIMEOUT.test(err.exitstatus);
  if (err instanceof StrataError) return false;
  const text = `${(err as { code?: string })?.code ?? ""} ${String(err)}`;
  return err instanceof TypeError ||
    /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket hang up|connection (reset|refused|closed)|error sending request|unexpected end|body/i
      .test(text);
}
