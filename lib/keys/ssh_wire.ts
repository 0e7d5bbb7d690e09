/**
 * SSH wire encoding (RFC 4251 §5): uint32, string, mpint; enough to write and read OpenSSH
 * public key blobs and the `openssh-key-v1` private key container.
 *
 * @example
 * ```ts
 * const blob = new SshWriter().string("ssh-ed25519").string(publicKey32).bytes();
 * ```
 */

/** Builds an SSH wire-format byte string. */
export class SshWriter {
  #parts: Uint8Array[] = [];

  /** Appends a big-endian uint32. */
  uint32(n: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n >>> 0);
    this.#parts.push(b);
    return this;
  }

  /** Appends a length-prefixed string (UTF-8 for text). */
  string(value: string | Uint8Array): this {
    const b = typeof value === "string" ? new TextEncoder().encode(value) : value;
    this.uint32(b.length);
    this.#parts.push(b);
    return this;
  }

  /** Appends an mpint from unsigned big-endian bytes (adds a 0 byte when the top bit is set). */
  mpint(unsigned: Uint8Array): this {
    let i = 0;
    while (i < unsigned.length && unsigned[i] === 0) i++;
    const trimmed = unsigned.subarray(i);
    const needsPad = trimmed.length > 0 && (trimmed[0] & 0x80) !== 0;
    const b = new Uint8Array(trimmed.length + (needsPad ? 1 : 0));
    b.set(trimmed, needsPad ? 1 : 0);
    return this.string(b);
  }

  /** Appends raw bytes without a length prefix. */
  raw(b: Uint8Array): this {
    this.#parts.push(b);
    return this;
  }

  /** The bytes written so far. */
  bytes(): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(this.#parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of this.#parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

/** Reads an SSH wire-format byte string; throws on truncation. */
export class SshReader {
  #off = 0;
  constructor(readonly buf: Uint8Array) {}

  uint32(): number {
    if (this.#off + 4 > this.buf.length) throw new Error("truncated SSH data");
    const n = new DataView(this.buf.buffer, this.buf.byteOffset + this.#off, 4).getUint32(0);
    this.#off += 4;
    return n;
  }

  string(): Uint8Array {
    const n = this.uint32();
    if (this.#off + n > this.buf.length) throw new Error("truncated SSH data");
    const b = this.buf.subarray(this.#off, this.#off + n);
    this.#off += n;
    return b;
  }

  text(): string {
    return new TextDecoder("utf-8", { fatal: true }).decode(this.string());
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.buf.length - this.#off;
  }
}
