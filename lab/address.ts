/**
 * Lab addresses: every emulated machine listens on its own loopback address. A node IP from
 * the config (e.g. 10.0.1.11) maps onto 127.0.1.11 by keeping its last three octets, so the
 * lab never listens on, or dials, anything but 127.0.0.0/8.
 *
 * @example
 * ```ts
 * labAddress("10.0.1.11"); // "127.0.1.11"
 * ```
 */
export function labAddress(ip: string): string {
  const parts = ip.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  if (parts[0] === "127") return ip;
  if (parts[1] === "0" && parts[2] === "0" && (parts[3] === "0" || parts[3] === "1")) {
    // 127.0.0.1 is shared with everything else on the machine; keep emulators off it
    throw new Error(`${ip} maps onto 127.0.0.${parts[3]}; choose another address for the lab`);
  }
  return `127.${parts[1]}.${parts[2]}.${parts[3]}`;
}

/** True for loopback addresses (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
