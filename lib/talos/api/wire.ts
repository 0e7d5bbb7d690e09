/**
 * The protobuf wire format (proto3), just what the Talos machine API needs: varints (32- and 64-bit,
 * the latter as `bigint`), zigzag-free signed ints as two's complement, fixed 32/64, and
 * length-delimited fields (strings, bytes, nested messages, packed repeated scalars).
 *
 * Writers append fields in the order they are called; readers walk the fields of one message and
 * skip what they do not know, as every protobuf parser must.
 *
 * @example
 * ```ts
 * const w = new ProtoWriter();
 * w.bytes(1, new TextEncoder().encode("version: v1alpha1"));
 * w.varint(4, 1); // mode AUTO
 * const bytes = w.finish();
 * for (const f of new ProtoReader(bytes)) console.log(f.field, f.wireType);
 * ```
 */

/** The four wire types proto3 uses (3 and 4, groups, are obsolete). */
export const WireType = { varint: 0, fixed64: 1, len: 2, fixed32: 5 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

/** A malformed protobuf message. */
export class ProtoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtoError";
  }
}

const MAX_U64 = (1n << 64n) - 1n;

/** Appends protobuf fields to a growing buffer. */
export class ProtoWriter {
  #buf = new Uint8Array(64);
  #len = 0;

  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  #byte(b: number): void {
    this.#ensure(1);
    this.#buf[this.#len++] = b;
  }

  /** A raw varint (no tag). Negative numbers are written as 64-bit two's complement (10 bytes). */
  rawVarint(value: number | bigint): this {
    let v = typeof value === "bigint" ? value : BigInt(Math.trunc(value));
    if (v < 0n) v = (1n << 64n) + v;
    if (v > MAX_U64) throw new ProtoError(`varint ${value} does not fit in 64 bits`);
    // fast path for the common small values
    if (v < 0x80n) {
      this.#byte(Number(v));
      return this;
    }
    while (v >= 0x80n) {
      this.#byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.#byte(Number(v));
    return this;
  }

  /** A field key: `(field << 3) | wireType`. */
  tag(field: number, wireType: WireType): this {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) {
      throw new ProtoError(`invalid field number ${field}`);
    }
    return this.rawVarint((BigInt(field) << 3n) | BigInt(wireType));
  }

  /** A varint field (int32, int64, uint32, uint64, bool, enum). */
  varint(field: number, value: number | bigint | boolean): this {
    const v = typeof value === "boolean" ? (value ? 1 : 0) : value;
    return this.tag(field, WireType.varint).rawVarint(v);
  }

  /** A length-delimited field with raw bytes (bytes, string, message, packed repeated). */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.len).rawVarint(value.length);
    this.#ensure(value.length);
    this.#buf.set(value, this.#len);
    this.#len += value.length;
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A fixed64 field (fixed64, sfixed64, double bits), little-endian. */
  fixed64(field: number, value: bigint): this {
    this.tag(field, WireType.fixed64);
    let v = value < 0n ? (1n << 64n) + value : value;
    for (let i = 0; i < 8; i++) {
      this.#byte(Number(v & 0xffn));
      v >>= 8n;
    }
    return this;
  }

  /** A fixed32 field (fixed32, sfixed32, float bits), little-endian. */
  fixed32(field: number, value: number): this {
    this.tag(field, WireType.fixed32);
    const v = value >>> 0;
    for (let i = 0; i < 4; i++) this.#byte((v >>> (8 * i)) & 0xff);
    return this;
  }

  /** The encoded bytes so far. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

/** One field as read from the wire. */
export type ProtoField =
  | { field: number; wireType: typeof WireType.varint; value: bigint }
  | { field: number; wireType: typeof WireType.fixed64; value: bigint }
  | { field: number; wireType: typeof WireType.fixed32; value: number }
  | { field: number; wireType: typeof WireType.len; value: Uint8Array };

/** Iterates the fields of one encoded message, in wire order. */
export class ProtoReader implements Iterable<ProtoField> {
  #pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  /** Reads a varint at the current position as an unsigned 64-bit `bigint`. */
  #varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.#pos >= this.bytes.length) throw new ProtoError("truncated varint");
      const b = this.bytes[this.#pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        if (result > MAX_U64) throw new ProtoError("varint overflows 64 bits");
        return result;
      }
      shift += 7n;
    }
    throw new ProtoError("varint longer than 10 bytes");
  }

  #take(n: number): Uint8Array {
    if (n < 0 || this.#pos + n > this.bytes.length) {
      throw new ProtoError(`truncated field: needs ${n} bytes, ${this.bytes.length - this.#pos} left`);
    }
    const out = this.bytes.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  *[Symbol.iterator](): Iterator<ProtoField> {
    while (this.#pos < this.bytes.length) {
      const key = this.#varint();
      const field = Number(key >> 3n);
      const wireType = Number(key & 7n);
      if (field < 1 || field > 0x1fffffff) throw new ProtoError(`invalid field number ${field}`);
      switch (wireType) {
        case WireType.varint:
          yield { field, wireType, value: this.#varint() };
          break;
        case WireType.fixed64: {
          const b = this.#take(8);
          let v = 0n;
          for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
          yield { field, wireType, value: v };
          break;
        }
        case WireType.len: {
          const n = this.#varint();
          if (n > BigInt(this.bytes.length)) throw new ProtoError(`length ${n} exceeds the message`);
          yield { field, wireType, value: this.#take(Number(n)) };
          break;
        }
        case WireType.fixed32: {
          const b = this.#take(4);
          yield { field, wireType, value: (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0 };
          break;
        }
        default:
          throw new ProtoError(`unsupported wire type ${wireType} for field ${field}`);
      }
    }
  }
}

/** Reads the varints of a packed repeated field. */
export function unpackVarints(bytes: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= bytes.length) throw new ProtoError("truncated packed varint");
      const b = bytes[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
      if (shift > 63n) throw new ProtoError("packed varint longer than 10 bytes");
    }
    out.push(result);
  }
  return out;
}

/** Packs varints for a packed repeated field's payload. */
export function packVarints(values: readonly (number | bigint)[]): Uint8Array {
  const w = new ProtoWriter();
  for (const v of values) w.rawVarint(v);
  return w.finish();
}

/** An unsigned 64-bit varint read as a signed int64 (two's complement). */
export function toInt64(v: bigint): bigint {
  return v >= 1n << 63n ? v - (1n << 64n) : v;
}

/** An unsigned varint read as a signed int32 (proto3 int32 sign-extends to 64 bits on the wire). */
export function toInt32(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}
