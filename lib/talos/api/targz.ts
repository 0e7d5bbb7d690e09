/**
 * The small tar.gz handling the Talos API needs: `Kubeconfig` (and `Copy`) answer with a gzip'd
 * tar stream; the admin kubeconfig is the regular file `kubeconfig` inside it. Reads ustar and
 * GNU/PAX long names; writes plain ustar (what Go's `archive/tar` writes for short names).
 *
 * @example
 * ```ts
 * const archive = createTarGz([{ name: "kubeconfig", data: text, mode: 0o600, mtimeMs: Date.now() }]);
 * new TextDecoder().decode(extractTarGzFile(archive, "kubeconfig")); // text
 * ```
 */
import { gunzipSync, gzipSync } from "node:zlib";

const BLOCK = 512;

function field(header: Uint8Array, at: number, len: number): string {
  const raw = header.subarray(at, at + len);
  const end = raw.indexOf(0);
  return new TextDecoder().decode(end < 0 ? raw : raw.subarray(0, end));
}

function octal(header: Uint8Array, at: number, len: number): number {
  const s = field(header, at, len).trim();
  return s ? parseInt(s, 8) : 0;
}

/** Every regular file in a tar archive, by name. */
export function readTar(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let pos = 0;
  let longName: string | undefined;
  while (pos + BLOCK <= tar.length) {
    const header = tar.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 0x30);
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    const body = tar.subarray(pos + BLOCK, pos + BLOCK + size);
    if (body.length < size) throw new Error(`tar: ${name} is truncated`);
    longName = undefined;
    if (type === "L") {
      longName = new TextDecoder().decode(body).replace(/\0+$/, "");
    } else if (type === "x") {
      const m = /\d+ path=([^\n]*)\n/.exec(new TextDecoder().decode(body));
      if (m) longName = m[1];
    } else if (type === "0" || type === "\0") {
      files.set(name, body.slice());
    }
    pos += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}

/** The content of file `name` in a gzip'd tar archive; throws when it is not there. */
export function extractTarGzFile(archive: Uint8Array, name: string): Uint8Array {
  let tar: Uint8Array;
  try {
    tar = new Uint8Array(gunzipSync(archive));
  } catch (err) {
    throw new Error(`not a gzip stream: ${(err as Error).message}`);
  }
  const files = readTar(tar);
  const file = files.get(name) ?? files.get(`./${name}`);
  if (!file) {
    throw new Error(`the archive has no file ${name} (it has ${[...files.keys()].join(", ") || "nothing"})`);
  }
  return file;
}

/** A file to put into an archive. */
export interface TarEntry {
  name: string;
  data: Uint8Array;
  mode: number;
  mtimeMs: number;
}

function put(header: Uint8Array, at: number, len: number, value: string): void {
  header.set(new TextEncoder().encode(value).subarray(0, len), at);
}

function putOctal(header: Uint8Array, at: number, len: number, value: number): void {
  put(header, at, len, value.toString(8).padStart(len - 1, "0") + "\0");
}

/** A ustar archive of regular files (names up to 100 bytes). */
export function writeTar(entries: readonly TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    if (new TextEncoder().encode(e.name).length > 100) throw new Error(`tar: name too long: ${e.name}`);
    const header = new Uint8Array(BLOCK);
    put(header, 0, 100, e.name);
    putOctal(header, 100, 8, e.mode);
    putOctal(header, 108, 8, 0);
    putOctal(header, 116, 8, 0);
    putOctal(header, 124, 12, e.data.length);
    putOctal(header, 136, 12, Math.floor(e.mtimeMs / 1000));
    header.fill(0x20, 148, 156); // checksum field counts as spaces
    header[156] = 0x30; // regular file
    put(header, 257, 6, "ustar\0");
    put(header, 263, 2, "00");
    const sum = header.reduce((a, b) => a + b, 0);
    put(header, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
    parts.push(header, e.data, new Uint8Array((BLOCK - (e.data.length % BLOCK)) % BLOCK));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A gzip'd ustar archive. */
export function createTarGz(entries: readonly TarEntry[]): Uint8Array {
  return new Uint8Array(gzipSync(writeTar(entries)));
}
