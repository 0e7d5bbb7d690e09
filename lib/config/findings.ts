/**
 * What the cross-field rules found: errors (the run stops, exit 2) and warnings (shown on every
 * run, the run goes on). Paths are YAML paths; positions are added by the loader.
 *
 * @example
 * ```ts
 * const found = new Findings();
 * found.error("nodes[1].vmid", "duplicate vmid 1101 (also nodes[0])", "give every node its own vmid");
 * ```
 */
import type { ConfigIssue } from "./issues.ts";

/** A finding; `atKey` places it on the key of its path rather than on the value. */
export type Finding = ConfigIssue & { atKey?: boolean };

export class Findings {
  readonly errors: Finding[] = [];
  readonly warnings: Finding[] = [];

  error(path: string, message: string, hint?: string, options: { atKey?: boolean } = {}): void {
    this.errors.push({ path, message, ...(hint ? { hint } : {}), ...options });
  }

  warn(path: string, message: string, hint?: string, options: { atKey?: boolean } = {}): void {
    this.warnings.push({ path, message, ...(hint ? { hint } : {}), ...options });
  }
}
