/**
 * The client's own guarantees without a Talos node: an unreachable node is transient, a node that
 * accepts TCP but never answers times out on the injected clock, an abort stops a call. (The
 * client against the lab's Talos nodes is tested in tests/talos-api/.)
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { ScaledClock } from "../../clock/clock.ts";
import { isTransient } from "../../errors.ts";
import { TalosClient } from "./client.ts";
import { GrpcStatus, TalosUnavailableError } from "./errors.ts";

Deno.test("nobody listening: a transient error naming the node and method", async () => {
  const client = new TalosClient({
    node: "10.0.1.11",
    name: "cp-1",
    dialAddress: "127.0.0.1",
    port: 1,
    clock: new ScaledClock(1),
  });
  try {
    const err = await client.version().catch((e) => e);
    assert.ok(err instanceof TalosUnavailableError && isTransient(err), String(err));
    assert.match(err.message, /^talos cp-1 \(10\.0\.1\.11\): Version: Unavailable: .*ECONNREFUSED/);
  } finally {
    client.close();
  }
});

Deno.test("a silent node: the call gives up after the timeout on the clock", async () => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s)); // accepts, never speaks TLS
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  const client = new TalosClient({
    node: "10.0.1.11",
    dialAddress: "127.0.0.1",
    port,
    clock: new ScaledClock(1000), // 30 s of virtual time in 30 ms
    callTimeoutMs: 30_000,
  });
  try {
    const err = await client.version().catch((e) => e);
    assert.ok(err instanceof TalosUnavailableError, String(err));
    assert.equal(err.code, GrpcStatus.DEADLINE_EXCEEDED);
    assert.match(err.message, /no answer within 30\.0s/);
  } finally {
    client.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
});

Deno.test("an aborted signal stops the call with its reason", async () => {
  const ctl = new AbortController();
  ctl.abort(new Error("interrupted"));
  const client = new TalosClient({
    node: "10.0.1.11",
    dialAddress: "127.0.0.1",
    port: 1,
    signal: ctl.signal,
  });
  await assert.rejects(client.version(), /interrupted/);
  client.close();
});
