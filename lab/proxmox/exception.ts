/**
 * PVE's two kinds of failure, as the emulator reproduces them: a plain `die "message\n"` (HTTP 500,
 * the message verbatim) and a `PVE::Exception` with an HTTP code and per-parameter errors
 * (`raise_param_exc` → 400 "Parameter verification failed.", `raise_perm_exc` → 403
 * "Permission check failed (…)"). Messages keep PVE's trailing newline: the JSON formatter sends it.
 *
 * @example
 * ```ts
 * throw new PveException("Parameter verification failed.\n", { code: 400, errors: { vmid: "…" } });
 * ```
 */
export class PveException extends Error {
  readonly code?: number;
  readonly errors?: Record<string, string>;
  constructor(readonly msg: string, options: { code?: number; errors?: Record<string, string> } = {}) {
    super(msg);
    this.code = options.code;
    this.errors = options.errors;
  }

  /** `PVE::Exception::stringify`: "<code> <msg>", then one "<param>: <error>" line per error. */
  stringify(): string {
    let text = this.code ? `${this.code} ${this.msg}` : this.msg;
    if (!text.endsWith("\n")) text += "\n";
    for (const key of Object.keys(this.errors ?? {}).sort()) text += `${key}: ${this.errors![key]}\n`;
    return text;
  }
}

/** `raise_param_exc($errors)`. */
export function paramException(errors: Record<string, string>): PveException {
  return new PveException("Parameter verification failed.\n", { code: 400, errors });
}

/** `raise_perm_exc($what)`: "Permission check failed (<what>)". */
export function permissionException(what?: string): PveException {
  return new PveException(`Permission check failed${what ? ` (${what})` : ""}\n`, { code: 403 });
}

/** A plain Perl `die`: the text as PVE would print it (normally ending in a newline). */
export class PerlDie extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

/** `die "…\n"`. */
export function die(text: string): never {
  throw new PerlDie(text);
}

/** What Perl would interpolate for `$@` after catching `err`. */
export function perlErrorText(err: unknown): string {
  if (err instanceof PveException) return err.stringify();
  if (err instanceof PerlDie) return err.text;
  return `${err instanceof Error ? err.message : String(err)}\n`;
}
