/**
 * Where the Image Factory serves a schematic's Talos image, and how Proxmox takes it.
 *
 * The factory builds disk images on demand at `/image/<schematic>/<version>/<platform>-<arch>.<format>`
 * (raw, qcow2, and the compressed raw.xz / raw.zst / raw.gz). Proxmox VE 9 `download-url` with
 * `content: import` accepts only `.raw`, `.qcow2`, `.vmdk` and `.ova` file names and refuses
 * decompression for anything but ISOs (pve-storage `PVE/API2/Storage/Status.pm`: "decompression not
 * supported for import"). So strata downloads `qcow2` (compact, ~1/5 of the raw size) or `raw`
 * (the 1246 MiB sparse disk, sent in full), never a compressed image.
 *
 * @example
 * ```ts
 * const image = diskImage({ factory: "https://factory.talos.dev", schematic: id, version: "v1.13.9" });
 * image.url;      // "https://factory.talos.dev/image/<id>/v1.13.9/nocloud-amd64.qcow2"
 * image.filename; // "talos-<id12>-v1.13.9-nocloud-amd64.qcow2"  (content "import")
 * installerImage("https://factory.talos.dev", id, "v1.13.9"); // "factory.talos.dev/nocloud-installer/<id>:v1.13.9"
 * ```
 */

/** Disk image formats the factory serves. */
export type DiskImageFormat = "raw" | "qcow2" | "raw.xz" | "raw.zst" | "raw.gz";

/** Formats Proxmox `download-url` can store as `content: import`. */
export const PROXMOX_IMPORT_FORMATS: readonly DiskImageFormat[] = ["qcow2", "raw"];

export type Arch = "amd64" | "arm64";

/** A disk image of a schematic and version, and how to put it on a Proxmox storage. */
export interface DiskImage {
  url: string;
  format: DiskImageFormat;
  /** A name Proxmox accepts for `content: import` (`[A-Za-z0-9-.+=_]+\.(raw|qcow2)`), encoding schematic and version. */
  filename: string;
  content: "import";
}

export interface DiskImageOptions {
  /** Factory base URL (the config's `talos.factory`, a mirror, or the lab's). */
  factory: string;
  schematic: string;
  /** Talos version, `v1.13.9`. */
  version: string;
  arch?: Arch;
  platform?: string;
  /** Default `qcow2`. */
  format?: DiskImageFormat;
}

/** The factory's base URL without a trailing slash. */
export function factoryBase(factory: string): string {
  return factory.replace(/\/+$/, "");
}

/** The nocloud (or other platform) disk image for a schematic and version. */
export function diskImage(opts: DiskImageOptions): DiskImage {
  const format = opts.format ?? "qcow2";
  if (!PROXMOX_IMPORT_FORMATS.includes(format)) {
    throw new Error(
      `Proxmox cannot import a ${format} image (download-url with content import takes .raw or .qcow2, uncompressed)`,
    );
  }
  const platform = opts.platform ?? "nocloud";
  const arch = opts.arch ?? "amd64";
  const version = normalizeVersion(opts.version);
  return {
    url: `${factoryBase(opts.factory)}/image/${opts.schematic}/${version}/${platform}-${arch}.${format}`,
    format,
    filename: `talos-${opts.schematic.slice(0, 12)}-${version}-${platform}-${arch}.${format}`,
    content: "import",
  };
}

/**
 * The disk image URL (any format the factory serves, default raw). Prefer {@link diskImage}, which
 * also names the file for Proxmox and refuses formats Proxmox cannot import.
 */
export function nocloudImageUrl(
  factory: string,
  schematic: string,
  version: string,
  arch: Arch = "amd64",
  format: DiskImageFormat = "raw",
): string {
  return `${factoryBase(factory)}/image/${schematic}/${normalizeVersion(version)}/nocloud-${arch}.${format}`;
}

/**
 * The installer image machine configs install from: the factory's OCI registry,
 * `<factory host>/<platform>-installer/<schematic>:<version>`. The registry lives at the root of the
 * factory host, so a path in the factory URL is not part of the reference.
 */
export function installerImage(
  factory: string,
  schematic: string,
  version: string,
  platform = "nocloud",
): string {
  return `${new URL(factory).host}/${platform}-installer/${schematic}:${normalizeVersion(version)}`;
}

/** `1.13.9` and `v1.13.9` both become `v1.13.9`. */
export function normalizeVersion(version: string): string {
  return version.startsWith("v") ? version : `v${version}`;
}
