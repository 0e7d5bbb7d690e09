/** Varint edges by hand: 0, 127, 128, 300, 2^32, 2^64-1 and negatives as 64-bit two's complement. */
import assert from "node:assert/strict";
import { ProtoReader, ProtoWriter, toInt32, toInt64, unpackVarints } from "./wire.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

Deno.test("varints", () => {
  const cases: [number | bigint, string][] = [
    [0, "00"],
    [127, "7f"],
    [128, "80 01"],
    [300, "ac 02"],
    [2 ** 32, "80 80 80 80 10"],
    [(1n << 64n) - 1n, "ff ff ff ff ff ff ff ff ff 01"],
    [-2, "fe ff ff ff ff ff ff ff ff 01"],
  ];
  for (const [v, h] of cases) {
    const bytes = new ProtoWriter().rawVarint(v).finish();
    assert.equal(hex(bytes), h, String(v));
    const [back] = unpackVarints(bytes);
    assert.equal(typeof v === "number" && v < 0 ? toInt64(back) : back, BigInt(v));
  }
  assert.equal(toInt32((1n << 64n) - 5n), -5);
  assert.throws(() => new ProtoWriter().rawVarint(1n << 64n), /does not fit/);
  assert.throws(() => new ProtoWriter().tag(0, 0), /invalid field number/);
});

Deno.test("fixed32/fixed64 are little-endian and read back", () => {
  const bytes = new ProtoWriter().fixed32(1, 0x01020304).fixed64(2, 0x0102030405060708n).finish();
  assert.equal(hex(bytes), "0d 04 03 02 01 11 08 07 06 05 04 03 02 01");
  assert.deepEqual([...new ProtoReader(bytes)].map((f) => f.value), [0x01020304, 0x0102030405060708n]);
});
