import assert from "node:assert/strict";
import { decodePem, decodePemBlock, encodePem } from "./pem.ts";

Deno.test("encodePem wraps at 64 columns and round-trips", () => {
  const der = new Uint8Array(100).map((_, i) => i);
  const pem = encodePem("CERTIFICATE", der);
  const lines = pem.trimEnd().split("\n");
  assert.equal(lines[0], "-----BEGIN CERTIFICATE-----");
  assert.equal(lines.at(-1), "-----END CERTIFICATE-----");
  assert.equal(lines[1].length, 64);
  assert.deepEqual(decodePem(pem), [{ label: "CERTIFICATE", der }]);
});

Deno.test("decodePem reads several blocks and ignores text around them", () => {
  const a = encodePem("CERTIFICATE", new Uint8Array([1, 2, 3]));
  const b = encodePem("EC PRIVATE KEY", new Uint8Array([4, 5]));
  const blocks = decodePem(`comment\n${a}between\r\n${b}trailer`);
  assert.deepEqual(blocks.map((x) => x.label), ["CERTIFICATE", "EC PRIVATE KEY"]);
  assert.deepEqual(decodePemBlock(a + b, "EC PRIVATE KEY"), new Uint8Array([4, 5]));
});

Deno.test("decodePem rejects missing blocks, bad base64, encrypted PEM and mismatched labels", () => {
  assert.throws(() => decodePem("hello"), /no PEM block/);
  assert.throws(() => decodePem("-----BEGIN X-----\n@@@@\n-----END X-----\n"), /not valid base64/);
  assert.throws(
    () =>
      decodePem(
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END RSA PRIVATE KEY-----\n",
      ),
    /encrypted PEM/,
  );
  assert.throws(() => decodePem("-----BEGIN A-----\nAAAA\n-----END B-----\n"), /no PEM block/);
  assert.throws(() => decodePemBlock(encodePem("A", new Uint8Array([1])), "B"), /found 0/);
});
