/**
 * Image Factory schematics: the customization (system extensions, kernel args, …) that names a Talos
 * image. The factory answers `POST /schematics` with an id that is the hex SHA-256 of the schematic's
 * canonical YAML — Go's `yaml.Marshal` of its `Schematic` struct (siderolabs/image-factory
 * `pkg/schematic`): fields in struct order, empty ones left out, 4-space indent. So the id can be
 * computed here, and the same extensions always give the same id.
 *
 * The factory keeps list order (the id of `[b, a]` differs from `[a, b]`); {@link schematicFor} sorts
 * and de-duplicates the extensions so that a config's order does not change the image — the same
 * order the factory's web UI produces.
 *
 * @example
 * ```ts
 * const s = schematicFor(["siderolabs/qemu-guest-agent"]);
 * canonicalSchematicYaml(s);
 * // "customization:\n    systemExtensions:\n        officialExtensions:\n            - siderolabs/qemu-guest-agent\n"
 * await schematicId(s); // "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515"
 * ```
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { Node as YamlNode } from "yaml";
import { goKeyCompare, goYaml, type GoYamlValue } from "./go_yaml.ts";
import { ImageFactoryClient } from "./client.ts";
import { installerImage as installer, nocloudImageUrl as nocloudUrl } from "./image.ts";

/** A schematic, field for field as the factory's `Schematic` type (YAML names). */
export interface Schematic {
  /** Enterprise edition only. */
  owner?: string;
  overlay?: { image: string; name: string; options?: Record<string, unknown> };
  customization?: {
    embeddedMachineConfiguration?: string;
    extraKernelArgs?: string[];
    meta?: { key: number; value: string }[];
    systemExtensions?: { officialExtensions?: string[] };
    bootloader?: "auto" | "dual-boot" | "grub" | "sd-boot";
    secureboot?: { enrollKeys?: string; includeWellKnownCertificates?: boolean };
    diskImage?: { sectorSize?: number };
  };
}

/** The schematic for a set of official extensions: sorted, without duplicates. */
export function schematicFor(extensions: readonly string[]): Schematic {
  const list = [...new Set(extensions)].sort();
  return list.length ? { customization: { systemExtensions: { officialExtensions: list } } } : {};
}

/**
 * The canonical YAML the factory stores and hashes: Go's `yaml.Marshal(schematic)`. `omitempty`
 * fields are left out when empty; `customization` is always written (`customization: {}`).
 */
export function canonicalSchematicYaml(schematic: Schematic): string {
  const doc: Record<string, GoYamlValue> = {};
  if (schematic.owner) doc.owner = schematic.owner;
  const o = schematic.overlay;
  if (o && (o.image || o.name || (o.options && Object.keys(o.options).length))) {
    const overlay: Record<string, GoYamlValue> = { image: o.image ?? "", name: o.name ?? "" };
    if (o.options && Object.keys(o.options).length) overlay.options = sortedKeys(o.options);
    doc.overlay = overlay;
  }
  const c = schematic.customization ?? {};
  const cust: Record<string, GoYamlValue> = {};
  if (c.embeddedMachineConfiguration) cust.embeddedMachineConfiguration = c.embeddedMachineConfiguration;
  if (c.extraKernelArgs?.length) cust.extraKernelArgs = c.extraKernelArgs;
  if (c.meta?.length) cust.meta = c.meta.map((m) => ({ key: m.key, value: m.value }));
  if (c.systemExtensions?.officialExtensions?.length) {
    cust.systemExtensions = { officialExtensions: c.systemExtensions.officialExtensions };
  }
  if (c.bootloader) cust.bootloader = c.bootloader;
  const sb: Record<string, GoYamlValue> = {};
  if (c.secureboot?.enrollKeys) sb.enrollKeys = c.secureboot.enrollKeys;
  if (c.secureboot?.includeWellKnownCertificates) sb.includeWellKnownCertificates = true;
  if (Object.keys(sb).length) cust.secureboot = sb;
  if (c.diskImage?.sectorSize) cust.diskImage = { sectorSize: c.diskImage.sectorSize };
  doc.customization = cust;
  return goYaml(doc);
}

/** Go marshals `map[string]any` with sorted keys. */
function sortedKeys(v: unknown): GoYamlValue {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v && typeof v === "object") {
    const out: Record<string, GoYamlValue> = {};
    for (const k of Object.keys(v).sort(goKeyCompare)) out[k] = sortedKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return (v ?? null) as GoYamlValue;
}

/**
 * The schematic id: hex SHA-256 of the canonical YAML. A string is read as the factory reads a
 * posted schematic ({@link parseSchematic}) first.
 */
export async function schematicId(schematic: Schematic | string): Promise<string> {
  const parsed = typeof schematic === "string" ? parseSchematic(schematic) : schematic;
  const bytes = new TextEncoder().encode(canonicalSchematicYaml(parsed));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A schematic the factory would refuse, with the factory's message. */
export class InvalidSchematicError extends Error {}

type FieldSpec = "string" | "bool" | "uint" | "uint8" | "any" | { list: FieldSpec } | {
  struct: string;
  fields: Record<string, FieldSpec>;
};

const SCHEMATIC_SPEC: FieldSpec = {
  struct: "schematic.Schematic",
  fields: {
    owner: "string",
    overlay: {
      struct: "schematic.Overlay",
      fields: { image: "string", name: "string", options: "any" },
    },
    customization: {
      struct: "schematic.Customization",
      fields: {
        embeddedMachineConfiguration: "string",
        extraKernelArgs: { list: "string" },
        meta: { list: { struct: "schematic.MetaValue", fields: { key: "uint8", value: "string" } } },
        systemExtensions: {
          struct: "schematic.SystemExtensions",
          fields: { officialExtensions: { list: "string" } },
        },
        bootloader: "string",
        secureboot: {
          struct: "schematic.SecureBootCustomization",
          fields: { enrollKeys: "string", includeWellKnownCertificates: "bool" },
        },
        diskImage: { struct: "schematic.DiskImageCustomization", fields: { sectorSize: "uint" } },
      },
    },
  },
};

const BOOTLOADERS = ["", "auto", "dual-boot", "grub", "sd-boot"];

/**
 * Parses a schematic the way the factory does (YAML, JSON being a subset; unknown fields refused,
 * values must fit their Go types). Throws {@link InvalidSchematicError} with the factory's wording.
 */
export function parseSchematic(text: string): Schematic {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new InvalidSchematicError(`yaml: line ${e.linePos?.[0].line ?? 1}: ${e.message.split("\n")[0]}`);
  }
  if (doc.contents === null) throw new InvalidSchematicError("EOF");
  const errors: string[] = [];
  const value = decode(doc.contents as YamlNode, SCHEMATIC_SPEC, lines, errors);
  if (errors.length) {
    // one error on the same line, several each on their own (go-yaml's TypeError)
    const list = errors.length === 1 ? ` ${errors[0]}` : `\n  ${errors.join("\n  ")}`;
    throw new InvalidSchematicError(`yaml: construct errors:${list}`);
  }
  const schematic = (value ?? {}) as Schematic;
  const bootloader = schematic.customization?.bootloader ?? "";
  if (!BOOTLOADERS.includes(bootloader)) {
    throw new InvalidSchematicError(`yaml: construct errors: unknown bootloader kind "${bootloader}"`);
  }
  return schematic;
}

function lineOf(node: YamlNode, lines: LineCounter): number {
  return node.range ? lines.linePos(node.range[0]).line : 1;
}

function decode(node: YamlNode, spec: FieldSpec, lines: LineCounter, errors: string[]): unknown {
  const line = lineOf(node, lines);
  if (isScalar(node) && node.value === null) return undefined;
  if (spec === "any") return node.toJSON();
  if (typeof spec === "object" && "struct" in spec) {
    if (!isMap(node)) {
      errors.push(`line ${line}: cannot construct ${tagOf(node)} into ${spec.struct}`);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      const keyLine = pair.key && typeof pair.key === "object" ? lineOf(pair.key as YamlNode, lines) : line;
      const field = spec.fields[key];
      if (!field) {
        errors.push(`line ${keyLine}: field ${key} not found in type ${spec.struct}`);
        continue;
      }
      if (pair.value === null) continue;
      const v = decode(pair.value as YamlNode, field, lines, errors);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  if (typeof spec === "object" && "list" in spec) {
    if (!isSeq(node)) {
      errors.push(`line ${line}: cannot construct ${tagOf(node)} into []${goType(spec.list)}`);
      return undefined;
    }
    return node.items.map((item) => decode(item as YamlNode, spec.list, lines, errors));
  }
  if (!isScalar(node)) {
    errors.push(`line ${line}: cannot construct ${tagOf(node)} into ${goType(spec)}`);
    return undefined;
  }
  const v = node.value;
  const source = node.source ?? String(v);
  switch (spec) {
    case "string":
      // go-yaml decodes any scalar into a string field as its text
      return typeof v === "string" ? v : source;
    case "bool":
      if (typeof v === "boolean") return v;
      break;
    case "uint":
    case "uint8":
      if (typeof v === "number" && Number.isInteger(v) && v >= 0 && (spec === "uint" || v <= 255)) return v;
      break;
  }
  errors.push(`line ${line}: cannot construct ${tagOf(node)} \`${source}\` into ${goType(spec)}`);
  return undefined;
}

function tagOf(node: YamlNode): string {
  if (isMap(node)) return "!!map";
  if (isSeq(node)) return "!!seq";
  if (isScalar(node)) {
    const v = node.value;
    return typeof v === "number"
      ? (Number.isInteger(v) ? "!!int" : "!!float")
      : typeof v === "boolean"
      ? "!!bool"
      : "!!str";
  }
  return "!!str";
}

function goType(spec: FieldSpec): string {
  if (typeof spec === "string") return spec === "any" ? "interface {}" : spec;
  if ("list" in spec) return `[]${goType(spec.list)}`;
  return spec.struct;
}

/**
 * Posts the schematic for these extensions to the factory; returns its id.
 * Kept for callers written before {@link ImageFactoryClient}; prefer the client.
 */
export async function createSchematic(
  factory: string,
  extensions: readonly string[],
  fetcher: typeof fetch = fetch,
): Promise<string> {
  const client = new ImageFactoryClient({ url: factory, fetch: fetcher });
  return (await client.createSchematic(schematicFor(extensions))).id;
}

/** The canonical YAML of the schematic for these extensions (`schematicFor` + `canonicalSchematicYaml`). */
export function schematicYaml(extensions: readonly string[]): string {
  return canonicalSchematicYaml(schematicFor(extensions));
}

/** Re-exported for callers of the first version of this module; see `image.ts`. */
export const nocloudImageUrl = nocloudUrl;
/** Re-exported for callers of the first version of this module; see `image.ts`. */
export const installerImage = installer;
