/**
 * PEM armour: encode DER bytes under a label and decode every block of a PEM text.
 *
 * @example
 * ```ts
 * const pem = encodePem("CERTIFICATE", der);
 * const [block] = decodePem(pem); // { label: "CERTIFICATE", der }
 * ```
 */
import { Buffer } from "node:buffer";

/** One `-----BEGIN LABEL-----` block. */
export interface PemBlock {
  label: string;
  der: Uint8Array<ArrayBuffer>;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Encodes DER bytes as PEM with 64-character lines and a trailing newline. */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Decodes every PEM block in `text` (text between blocks is ignored). Throws when there is none. */
export function decodePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const body = m[2].replace(/\s+/g, "");
    if (m[2].includes(":")) {
      throw new Error(`PEM block "${m[1]}" has headers (encrypted PEM is not supported)`);
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new Error(`PEM block "${m[1]}" is not valid base64`);
    blocks.push({ label: m[1], der: new Uint8Array(Buffer.from(body, "base64")) });
  }
  if (blocks.length === 0) throw new Error("no PEM block found (expected -----BEGIN …-----)");
  return blocks;
}

/** Decodes the single block labelled `label`; throws when there is none or more than one. */
export function decodePemBlock(text: string, label: string): Uint8Array<ArrayBuffer> {
  const found = decodePem(text).filter((b) => b.label === label);
  if (found.length !== 1) {
    throw new Error(`expected exactly one PEM block "${label}", found ${found.length}`);
  }
  return found[0].der;
}
