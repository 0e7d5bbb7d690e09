/**
 * Messages as data: a message is described by its field numbers and types (as in the `.proto`
 * file), and one generic encoder/decoder turns plain objects into wire bytes and back with proto3
 * semantics: scalar fields equal to their default are not written; a decoded message has every
 * field, defaults filled in; nested messages are present or `undefined`; repeated numeric fields
 * are written packed and read packed or not; unknown fields are skipped; a nested message that
 * appears twice is merged.
 *
 * 64-bit integers are `bigint`, 32-bit ones and enums `number`.
 *
 * @example
 * ```ts
 * interface Point { x: number; label: string }
 * const Point: MessageSpec<Point> = { name: "Point", fields: { x: { no: 1, type: "int32" }, label: { no: 2, type: "string" } } };
 * const bytes = encodeMessage(Point, { x: 3, label: "a" });
 * decodeMessage(Point, bytes); // { x: 3, label: "a" }
 * ```
 */
import {
  packVarints,
  ProtoError,
  ProtoReader,
  ProtoWriter,
  toInt32,
  toInt64,
  unpackVarints,
  WireType,
} from "./wire.ts";

export type ScalarType = "string" | "bytes" | "bool" | "int32" | "uint32" | "int64" | "uint64" | "enum";

/** One field of a message: its number, its type, and whether it repeats. */
export interface FieldSpec {
  no: number;
  // deno-lint-ignore no-explicit-any
  type: ScalarType | MessageSpec<any>;
  repeated?: boolean;
}

/** A message: its full proto name and its fields by TypeScript property name. */
export interface MessageSpec<T> {
  name: string;
  fields: { [K in keyof T]-?: FieldSpec };
}

const NUMERIC = new Set<ScalarType>(["bool", "int32", "uint32", "int64", "uint64", "enum"]);

function isMessage(t: FieldSpec["type"]): t is MessageSpec<unknown> {
  return typeof t === "object";
}

function defaultOf(f: FieldSpec): unknown {
  if (f.repeated) return [];
  switch (f.type) {
    case "string":
      return "";
    case "bytes":
      return new Uint8Array(0);
    case "bool":
      return false;
    case "int64":
    case "uint64":
      return 0n;
    case "int32":
    case "uint32":
    case "enum":
      return 0;
    default:
      return undefined;
  }
}

function isDefault(f: FieldSpec, v: unknown): boolean {
  if (v === undefined || v === null) return true;
  switch (f.type) {
    case "string":
      return v === "";
    case "bytes":
      return (v as Uint8Array).length === 0;
    case "bool":
      return v === false;
    case "int64":
    case "uint64":
      return BigInt(v as bigint | number) === 0n;
    case "int32":
    case "uint32":
    case "enum":
      return v === 0;
    default:
      return false; // a set message is present even when empty
  }
}

function numericValue(type: ScalarType, v: unknown): number | bigint {
  switch (type) {
    case "bool":
      return v ? 1 : 0;
    case "int64":
    case "uint64":
      return BigInt(v as bigint | number);
    case "uint32":
      return (v as number) >>> 0;
    default:
      return v as number;
  }
}

function writeOne(w: ProtoWriter, f: FieldSpec, v: unknown): void {
  const t = f.type;
  if (isMessage(t)) w.bytes(f.no, encodeMessage(t, v as Record<string, unknown>));
  else if (t === "string") w.string(f.no, v as string);
  else if (t === "bytes") w.bytes(f.no, v as Uint8Array);
  else w.varint(f.no, numericValue(t, v));
}

/** Encodes `value` as message `spec`. Properties not in the spec are ignored. */
export function encodeMessage<T>(
  spec: MessageSpec<T>,
  value: Partial<T> | Record<string, unknown>,
): Uint8Array {
  const w = new ProtoWriter();
  const fields = Object.entries(spec.fields) as [string, FieldSpec][];
  fields.sort((a, b) => a[1].no - b[1].no);
  for (const [name, f] of fields) {
    const v = (value as Record<string, unknown>)[name];
    if (f.repeated) {
      const list = (v ?? []) as unknown[];
      if (!Array.isArray(list)) throw new ProtoError(`${spec.name}.${name} must be an array`);
      if (!list.length) continue;
      if (!isMessage(f.type) && NUMERIC.has(f.type)) {
        const t = f.type;
        w.bytes(f.no, packVarints(list.map((x) => numericValue(t, x))));
      } else {
        for (const item of list) writeOne(w, f, item);
      }
    } else if (!isDefault(f, v)) {
      writeOne(w, f, v);
    }
  }
  return w.finish();
}

function scalarFromVarint(type: ScalarType, v: bigint): unknown {
  switch (type) {
    case "bool":
      return v !== 0n;
    case "int64":
      return toInt64(v);
    case "uint64":
      return v;
    case "uint32":
      return Number(v & 0xffffffffn);
    default: // int32, enum
      return toInt32(v);
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Decodes `bytes` as message `spec`; every field is present (defaults filled in). */
export function decodeMessage<T>(spec: MessageSpec<T>, bytes: Uint8Array): T {
  const byNo = new Map<number, [string, FieldSpec]>();
  for (const [name, f] of Object.entries(spec.fields) as [string, FieldSpec][]) byNo.set(f.no, [name, f]);
  const out: Record<string, unknown> = {};
  for (const [name, f] of byNo.values()) out[name] = defaultOf(f);
  const nested = new Map<string, Uint8Array[]>();
  for (const field of new ProtoReader(bytes)) {
    const entry = byNo.get(field.field);
    if (!entry) continue; // unknown field: skip
    const [name, f] = entry;
    const t = f.type;
    const where = `${spec.name}.${name} (field ${f.no})`;
    if (isMessage(t)) {
      if (field.wireType !== WireType.len) throw new ProtoError(`${where}: expected a message`);
      if (f.repeated) (out[name] as unknown[]).push(decodeMessage(t, field.value));
      else nested.set(name, [...(nested.get(name) ?? []), field.value]);
    } else if (t === "string" || t === "bytes") {
      if (field.wireType !== WireType.len) throw new ProtoError(`${where}: expected ${t}`);
      const v = t === "string"
        ? new TextDecoder("utf-8", { fatal: true }).decode(field.value)
        : field.value.slice();
      if (f.repeated) (out[name] as unknown[]).push(v);
      else out[name] = v;
    } else if (field.wireType === WireType.varint) {
      const v = scalarFromVarint(t, field.value);
      if (f.repeated) (out[name] as unknown[]).push(v);
      else out[name] = v;
    } else if (field.wireType === WireType.len && f.repeated) {
      for (const v of unpackVarints(field.value)) (out[name] as unknown[]).push(scalarFromVarint(t, v));
    } else {
      throw new ProtoError(`${where}: unexpected wire type ${field.wireType}`);
    }
  }
  for (const [name, chunks] of nested) {
    out[name] = decodeMessage(spec.fields[name as keyof T].type as MessageSpec<unknown>, concat(chunks));
  }
  return out as T;
}
