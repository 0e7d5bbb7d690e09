/**
 * Real, minimal file containers for the emulated factory's images, so that `xz -t`, `zstd -t`,
 * `gzip -t` and `tar` accept what the lab serves: xz with uncompressed LZMA2 chunks, zstd with raw
 * blocks, gzip through the platform's CompressionStream, and a one-file ustar archive. Nothing is
 * compressed (the payload is a few KiB); the formats are exact.
 *
 * @example
 * ```ts
 * const xz = xzStore(new TextEncoder().encode("hello")); // `xz -d` gives "hello"
 * ```
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3), as xz and gzip use it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** xz multibyte integer. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function pad4(n: number): Uint8Array {
  return new Uint8Array((4 - (n % 4)) % 4);
}

/** An .xz file holding `data` in uncompressed LZMA2 chunks, CRC32 check. */
export function xzStore(data: Uint8Array): Uint8Array<ArrayBuffer> {
  const flags = new Uint8Array([0x00, 0x01]); // check type CRC32
  const header = concat([new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), flags, u32le(crc32(flags))]);
  // block header: size byte, flags (1 filter, no sizes), LZMA2 filter id 0x21, 1 property byte, dict size
  const blockHeaderBody = new Uint8Array([0x00, 0x21, 0x01, 0x00]);
  const headerSize = 1 + blockHeaderBody.length + 4;
  const paddedSize = headerSize + ((4 - (headerSize % 4)) % 4);
  const bh = concat([new Uint8Array([paddedSize / 4 - 1]), blockHeaderBody, pad4(headerSize)]);
  const blockHeader = concat([bh, u32le(crc32(bh))]);
  const chunks: Uint8Array[] = [];
  for (let off = 0, first = true; off < data.length; off += 0x10000, first = false) {
    const part = data.subarray(off, Math.min(off + 0x10000, data.length));
    chunks.push(
      new Uint8Array([first ? 0x01 : 0x02, (part.length - 1) >> 8, (part.length - 1) & 0xff]),
      part,
    );
  }
  chunks.push(new Uint8Array([0x00]));
  const compressed = concat(chunks);
  const unpadded = blockHeader.length + compressed.length + 4;
  const block = concat([blockHeader, compressed, pad4(compressed.length), u32le(crc32(data))]);
  const indexBody = new Uint8Array([0x00, ...varint(1), ...varint(unpadded), ...varint(data.length)]);
  const indexPadded = concat([indexBody, pad4(indexBody.length)]);
  const index = concat([indexPadded, u32le(crc32(indexPadded))]);
  const backward = concat([u32le(index.length / 4 - 1), flags]);
  const footer = concat([u32le(crc32(backward)), backward, new Uint8Array([0x59, 0x5a])]);
  return concat([header, block, index, footer]);
}

/** A .zst frame holding `data` in raw (stored) blocks, with its content size. */
export function zstdStore(data: Uint8Array): Uint8Array<ArrayBuffer> {
  // frame header descriptor: FCS field 8 bytes (flag 3), single segment, no checksum, no dict id
  const fhd = (3 << 6) | (1 << 5);
  const fcs = new Uint8Array(8);
  new DataView(fcs.buffer).setBigUint64(0, BigInt(data.length), true);
  const parts: Uint8Array[] = [new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, fhd]), fcs];
  const MAX = 128 * 1024;
  let off = 0;
  do {
    const size = Math.min(MAX, data.length - off);
    const last = off + size >= data.length ? 1 : 0;
    const h = (size << 3) | (0 << 1) | last; // block type 0 = raw
    parts.push(new Uint8Array([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), data.subarray(off, off + size));
    off += size;
  } while (off < data.length);
  return concat(parts);
}

/** A gzip member of `data`. */
export async function gzip(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A ustar archive with one regular file. */
export function tarOne(name: string, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const h = new Uint8Array(512);
  const put = (off: number, text: string) => h.set(new TextEncoder().encode(text), off);
  const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, "0") + "\0";
  put(0, name.slice(0, 100));
  put(100, octal(0o644, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(data.length, 12));
  put(136, octal(0, 12));
  put(148, "        "); // checksum is computed with this field as spaces
  put(156, "0");
  put(257, "ustar\x0000");
  const sum = h.reduce((a, b) => a + b, 0);
  put(148, sum.toString(8).padStart(6, "0") + "\0 ");
  const body = concat([data, new Uint8Array((512 - (data.length % 512)) % 512)]);
  return concat([h, body, new Uint8Array(1024)]);
}
