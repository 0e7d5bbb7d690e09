import { assert } from "../../tests/testing.ts";
import { isTransientProxmoxError, ProxmoxApiError } from "./client.ts";

Deno.test("retry classification: lock timeouts, 502/503/595 and connection failures only", () => {
  const api = (status: number, reason: string) => new ProxmoxApiError("POST", "/x", status, reason);
  assert(
    isTransientProxmoxError(api(500, "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout")),
  );
  for (const s of [502, 503, 595]) assert(isTransientProxmoxError(api(s, "x")), String(s));
  assert(isTransientProxmoxError(new TypeError("error sending request: connection reset")));
  for (
    const [s, r] of [[400, "Parameter verification failed."], [401, "authentication failure"], [
      403,
      "Permission check failed",
    ], [500, "VM 101 already running"]] as const
  ) {
    assert(!isTransientProxmoxError(api(s, r)), `${s} ${r}`);
  }
});
