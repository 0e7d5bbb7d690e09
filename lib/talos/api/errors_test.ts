/** gRPC statuses to strata errors: what is retried, what says what to fix. */
import assert from "node:assert/strict";
import { isTransient } from "../../errors.ts";
import {
  GrpcStatus,
  grpcStatusName,
  TalosApiError,
  talosCallError,
  TalosTlsError,
  TalosUnavailableError,
} from "./errors.ts";

const info = (code: number, method = "ApplyConfiguration") => ({
  node: "cp-1 (10.0.1.11)",
  method,
  code,
  grpcMessage: "boom",
});

Deno.test("status names as Go prints them", () => {
  assert.equal(grpcStatusName(3), "InvalidArgument");
  assert.equal(grpcStatusName(14), "Unavailable");
  assert.equal(grpcStatusName(0), "OK");
  assert.equal(grpcStatusName(99), "Code(99)");
});

Deno.test("unavailable, deadline, exhausted and aborted are transient; the rest are not", () => {
  for (
    const code of [
      GrpcStatus.UNAVAILABLE,
      GrpcStatus.DEADLINE_EXCEEDED,
      GrpcStatus.RESOURCE_EXHAUSTED,
      GrpcStatus.ABORTED,
    ]
  ) {
    const e = talosCallError(info(code));
    assert.ok(e instanceof TalosUnavailableError && isTransient(e), grpcStatusName(code));
  }
  for (
    const code of [
      GrpcStatus.INVALID_ARGUMENT,
      GrpcStatus.PERMISSION_DENIED,
      GrpcStatus.UNIMPLEMENTED,
      GrpcStatus.UNKNOWN,
    ]
  ) {
    const e = talosCallError(info(code));
    assert.ok(e instanceof TalosApiError && !isTransient(e), grpcStatusName(code));
  }
});

Deno.test("INTERNAL from a broken connection is transient; the node's own INTERNAL is not", () => {
  for (
    const text of [
      "Received RST_STREAM with code 2 triggered by internal client error: write EPIPE",
      "read ECONNRESET",
    ]
  ) {
    const e = talosCallError({ ...info(GrpcStatus.INTERNAL, "Version"), grpcMessage: text });
    assert.ok(e instanceof TalosUnavailableError && isTransient(e), text);
  }
  const own = talosCallError({
    ...info(GrpcStatus.INTERNAL),
    grpcMessage: "failed to write config: disk full",
  });
  assert.ok(own instanceof TalosApiError && !isTransient(own));
});

Deno.test("messages name the node, the method and the node's words; remedies where strata knows one", () => {
  const e = talosCallError(info(GrpcStatus.INVALID_ARGUMENT));
  assert.equal(e.message, "talos cp-1 (10.0.1.11): ApplyConfiguration: InvalidArgument: boom");
  assert.match((e as TalosApiError).remedy!, /talos\.patches/);
  assert.match((talosCallError(info(GrpcStatus.PERMISSION_DENIED)) as TalosApiError).remedy!, /os:admin/);
  const tls = new TalosTlsError("cp-1 (10.0.1.11)", "client-refused", "closed");
  assert.match(tls.message, /refused the talosconfig client certificate/);
  assert.match(tls.remedy!, /talosctl reset/);
  assert.ok(!isTransient(tls));
});
