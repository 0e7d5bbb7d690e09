/**
 * Exit codes and the error classes that carry them. Every command maps errors to
 * exit codes through {@link exitCodeOf}, so scripts can rely on them.
 */
export const ExitCode = {
  ok: 0,
  stepFailed: 1,
  usage: 2,
  preflight: 3,
  refused: 4,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base of every error strata reports to a user: a message, an optional remedy, an exit code. */
export class StrataError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.stepFailed,
    readonly remedy?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad command line or bad cluster config (exit 2). */
export class UsageError extends StrataError {
  constructor(message: string, remedy?: string) {
    super(message, ExitCode.usage, remedy);
  }
}

/** A preflight check failed, or a host must be trusted first (exit 3). */
export class PreflightError extends StrataError {
  constructor(message: string, remedy?: string) {
    super(message, ExitCode.preflight, remedy);
  }
}

/** A safety rule refused the operation; nothing was changed (exit 4). */
export class RefusedError extends StrataError {
  constructor(message: string, remedy?: string) {
    super(message, ExitCode.refused, remedy);
  }
}

/** The run was interrupted (Ctrl-C / SIGTERM) (exit 130). */
export class InterruptedError extends StrataError {
  constructor(message = "interrupted") {
    super(message, ExitCode.interrupted);
  }
}

/**
 * An error worth retrying (connection reset, 502/503, lock timeout). The engine retries
 * only these; everything else stops the layer at once.
 */
export class TransientError extends StrataError {
  constructor(message: string, options?: { cause?: unknown; remedy?: string }) {
    super(message, ExitCode.stepFailed, options?.remedy);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** True when `err` is marked transient (also via `{transient: true}` on foreign errors). */
export function isTransient(err: unknown): boolean {
  return err instanceof TransientError ||
    (typeof err === "object" && err !== null && (err as { transient?: unknown }).transient === true);
}

/** The exit code a command should end with for `err`. */
export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof StrataError ? err.exitCode : ExitCode.stepFailed;
}
