import { Buffer } from "node:buffer";
import type { Transform } from "node:stream";
import assert from "node:assert/strict";
import { goawayFilters } from "./goaway.ts";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const frame = (type: number, payload = Buffer.alloc(4)) => {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  return Buffer.concat([h, payload]);
};

function collect(t: Transform): () => Buffer {
  const out: Buffer[] = [];
  t.on("data", (d: Buffer) => out.push(d));
  return () => Buffer.concat(out);
}

const flush = () => new Promise((r) => setTimeout(r, 0));

Deno.test("HTTP/2: GOAWAY frames are dropped both ways, other frames pass, split frames are joined", async () => {
  const f = goawayFilters();
  const up = collect(f.toServer);
  const down = collect(f.toClient);
  const settings = frame(0x4, Buffer.alloc(6));
  const goaway = frame(0x7, Buffer.alloc(8));
  const data = frame(0x0, Buffer.from("hello"));
  f.toClient.write(settings); // the server may speak first: held until the client's preface
  f.toServer.write(PREFACE.subarray(0, 10));
  f.toServer.write(Buffer.concat([PREFACE.subarray(10), settings, goaway, data.subarray(0, 5)]));
  f.toServer.write(data.subarray(5));
  f.toClient.write(Buffer.concat([goaway, data]));
  await flush();
  assert.deepEqual(up(), Buffer.concat([PREFACE, settings, data]));
  assert.deepEqual(down(), Buffer.concat([settings, data]));
});

Deno.test("a connection that is not HTTP/2 passes through untouched", async () => {
  const f = goawayFilters();
  const up = collect(f.toServer);
  const down = collect(f.toClient);
  f.toServer.write(Buffer.from("ping"));
  f.toClient.write(Buffer.from("ping"));
  await flush();
  assert.equal(String(up()), "ping");
  assert.equal(String(down()), "ping");
});
