/**
 * IPv4 address and CIDR helpers for config validation.
 *
 * @example
 * ```ts
 * cidrContains(parseCidr("10.0.0.0/16")!, ipToInt("10.0.1.11")!); // true
 * ```
 */
export interface Cidr {
  base: number;
  prefix: number;
  text: string;
}

/** The address as an unsigned 32-bit number, or undefined when malformed. */
export function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

/** Parses `a.b.c.d/n`; undefined when malformed or when host bits are set. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const base = ipToInt(m[1]);
  const prefix = Number(m[2]);
  if (base === undefined || prefix > 32) return undefined;
  if ((base & ~mask(prefix)) >>> 0 !== 0) return undefined;
  return { base, prefix, text };
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** True when the address lies inside the network. */
export function cidrContains(c: Cidr, ip: number): boolean {
  return ((ip & mask(c.prefix)) >>> 0) === c.base;
}

/** True when the two networks share any address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return ((a.base & mask(p)) >>> 0) === ((b.base & mask(p)) >>> 0);
}

/** True for an IPv6 address in any of its textual forms (RFC 4291 2.2), zone ids excluded. */
export function isIpv6(text: string): boolean {
  let groups = text;
  let extra = 0;
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    if (ipToInt(v4[2]) === undefined) return false;
    groups = v4[1] + "0";
    extra = 1;
  }
  const halves = groups.split("::");
  if (halves.length > 2) return false;
  const parts = halves.map((h) => h === "" ? [] : h.split(":"));
  if (parts.flat().some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  const count = parts.flat().length + extra;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** The address as dotted text. */
export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

/** The network's first address (network) and last (broadcast), as numbers. */
export function cidrBounds(c: Cidr): [number, number] {
  return [c.base, (c.base | ~mask(c.prefix)) >>> 0];
}
