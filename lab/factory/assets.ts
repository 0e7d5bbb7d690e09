/**
 * Boot assets of the emulated Image Factory: which `/image/<id>/<version>/<path>` paths exist (the
 * real factory's `ParseFromPath` rules, siderolabs/image-factory `internal/profile/profile.go`), and
 * small deterministic bytes for each, derived from schematic, version and path. Disk images carry
 * the right container (xz, zstd, gzip, tar) and a qcow2 header where the format says so, so a
 * checksum or a format check downstream means something.
 *
 * @example
 * ```ts
 * const asset = parseAssetPath("nocloud-amd64.qcow2"); // { kind: "image", platform: "nocloud", … }
 * const bytes = await assetBytes(id, "v1.13.9", "nocloud-amd64.qcow2", asset);
 * ```
 */
import { createHash } from "node:crypto";
import { gzip, tarOne, xzStore, zstdStore } from "./containers.ts";

export type AssetKind = "kernel" | "cmdline" | "initramfs" | "iso" | "uki" | "installer" | "image";
export type OutFormat = "raw" | ".tar.gz" | ".gz" | ".xz" | ".zst";
export type DiskFormat = "raw" | "qcow2" | "vpc" | "ova";

export interface AssetProfile {
  kind: AssetKind;
  platform: string;
  arch: "amd64" | "arm64";
  secureboot: boolean;
  outFormat: OutFormat;
  diskFormat?: DiskFormat;
}

/** A path the factory refuses (400), with its message. */
export class InvalidAssetPath extends Error {}

/** Bytes of the raw payload every asset is made from. */
export const PAYLOAD_SIZE = 16 * 1024;
/** Virtual size written into qcow2 headers: Talos' minimum raw disk, 1246 MiB. */
export const DISK_VIRTUAL_SIZE = 1246 * 1024 * 1024;

function parseArch(s: string): "amd64" | "arm64" {
  if (s === "amd64" || s === "arm64") return s;
  if (s === "x86_64" || s === "i386") return "amd64";
  throw new InvalidAssetPath(`invalid architecture: "${s}"`);
}

function parsePlatformArch(s: string): { platform: string; arch: "amd64" | "arm64"; secureboot: boolean } {
  const secureboot = s.endsWith("-secureboot");
  if (secureboot) s = s.slice(0, -"-secureboot".length);
  const dash = s.indexOf("-");
  if (dash < 0) throw new InvalidAssetPath(`invalid platform-arch: "${s}"`);
  let platform = s.slice(0, dash);
  let rest = s.slice(dash + 1);
  if (platform === "digital" && rest.startsWith("ocean-")) {
    platform = "digital-ocean";
    rest = rest.slice("ocean-".length);
  }
  return { platform, arch: parseArch(rest), secureboot };
}

/** The asset a path names, or {@link InvalidAssetPath}. */
export function parseAssetPath(path: string): AssetProfile {
  const raw = { outFormat: "raw" as OutFormat, secureboot: false };
  if (path.startsWith("kernel-")) {
    return { ...raw, kind: "kernel", platform: "metal", arch: parseArch(path.slice(7)) };
  }
  if (path.startsWith("cmdline-")) return { ...raw, kind: "cmdline", ...parsePlatformArch(path.slice(8)) };
  if (path.startsWith("initramfs-") && path.endsWith(".xz")) {
    return { ...raw, kind: "initramfs", platform: "metal", arch: parseArch(path.slice(10, -3)) };
  }
  if (path.endsWith(".iso")) return { ...raw, kind: "iso", ...parsePlatformArch(path.slice(0, -4)) };
  if (path.endsWith("-uki.efi")) return { ...raw, kind: "uki", ...parsePlatformArch(path.slice(0, -8)) };
  if (path.startsWith("installer-") && path.endsWith(".tar")) {
    let rest = path.slice(10, -4);
    const secureboot = rest.endsWith("-secureboot");
    if (secureboot) rest = rest.slice(0, -11);
    return { kind: "installer", platform: "metal", arch: parseArch(rest), secureboot, outFormat: "raw" };
  }
  const installer = path.indexOf("-installer-");
  if (installer >= 0 && path.endsWith(".tar")) {
    const platform = path.slice(0, installer);
    return {
      ...raw,
      kind: "installer",
      ...parsePlatformArch(`${platform}-${path.slice(installer + 11, -4)}`),
    };
  }
  let rest = path;
  let outFormat: OutFormat = "raw";
  for (const f of [".tar.gz", ".gz", ".xz", ".zst"] as const) {
    if (rest.endsWith(f)) {
      outFormat = f;
      rest = rest.slice(0, -f.length);
      break;
    }
  }
  let diskFormat: DiskFormat | undefined;
  for (const f of ["raw", "qcow2", "vpc", "ova"] as const) {
    if (rest.endsWith(`.${f}`)) {
      diskFormat = f;
      rest = rest.slice(0, -(f.length + 1));
      break;
    }
  }
  if (!diskFormat) throw new InvalidAssetPath(`invalid profile path: "${rest}"`);
  return { kind: "image", outFormat, diskFormat, ...parsePlatformArch(rest) };
}

/** The deterministic raw payload of an asset: SHA-256 blocks of `id/version/path/i`. */
export function payload(id: string, version: string, path: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(PAYLOAD_SIZE);
  for (let i = 0; i * 32 < PAYLOAD_SIZE; i++) {
    out.set(createHash("sha256").update(`${id}/${version}/${path}/${i}`).digest(), i * 32);
  }
  return out;
}

function qcow2(body: Uint8Array): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(512);
  const v = new DataView(header.buffer);
  header.set([0x51, 0x46, 0x49, 0xfb]); // "QFI\xfb"
  v.setUint32(4, 3); // version 3
  v.setUint32(20, 16); // cluster_bits
  v.setBigUint64(24, BigInt(DISK_VIRTUAL_SIZE)); // virtual size
  v.setUint32(100, 104); // header_length
  const out = new Uint8Array(512 + body.length);
  out.set(header);
  out.set(body, 512);
  return out;
}

function mbr(body: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  body[510] = 0x55;
  body[511] = 0xaa;
  return body;
}

function iso(body: Uint8Array): Uint8Array<ArrayBuffer> {
  // ISO 9660 primary volume descriptor signature at sector 16
  const out = new Uint8Array(16 * 2048 + 2048 + body.length);
  out.set([0x01, 0x43, 0x44, 0x30, 0x30, 0x31, 0x01], 16 * 2048); // \x01CD001\x01
  out.set(body, 17 * 2048);
  return out;
}

/** The bytes served for an asset. */
export async function assetBytes(
  id: string,
  version: string,
  path: string,
  profile: AssetProfile,
): Promise<Uint8Array<ArrayBuffer>> {
  const body = payload(id, version, path);
  if (profile.kind === "iso") return iso(body);
  if (profile.kind === "installer") return tarOne("image.tar", body);
  if (profile.kind !== "image") return body;
  const disk = profile.diskFormat === "qcow2" ? qcow2(body) : mbr(body);
  switch (profile.outFormat) {
    case ".xz":
      return xzStore(disk);
    case ".zst":
      return zstdStore(disk);
    case ".gz":
      return await gzip(disk);
    case ".tar.gz":
      return await gzip(tarOne("disk.raw", disk));
    default:
      return disk;
  }
}

/** The content type the factory sends for a path (siderolabs/image-factory `internal/mime`). */
export function contentType(path: string): string {
  const ext = path.slice(path.lastIndexOf(".") >= 0 ? path.lastIndexOf(".") : path.length);
  switch (ext) {
    case ".efi":
      return "application/efi";
    case ".iso":
      return "application/x-iso9660-image";
    case ".xz":
      return "application/x-xz";
    case ".gz":
      return "application/gzip";
    case ".qcow2":
      return "application/x-qemu-disk";
    case ".tar":
      return "application/x-tar";
    default:
      return "application/octet-stream";
  }
}
