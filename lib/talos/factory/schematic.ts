/**
 * Image Factory schematics: the customization (system extensions) that identifies a Talos image.
 * The factory stores the schematic and answers with its id, a SHA-256 of the schematic's canonical
 * YAML, so the same extensions always give the same id.
 *
 * @example
 * ```ts
 * schematicYaml(["siderolabs/qemu-guest-agent"]);
 * // "customization:\n  systemExtensions:\n    officialExtensions:\n      - siderolabs/qemu-guest-agent\n"
 * ```
 */
export function schematicYaml(extensions: readonly string[]): string {
  const list = [...new Set(extensions)].sort();
  if (!list.length) return "customization: {}\n";
  return `customization:\n  systemExtensions:\n    officialExtensions:\n${
    list.map((e) => `      - ${e}\n`).join("")
  }`;
}

/** The schematic id of a YAML text (hex SHA-256). */
export async function schematicId(yaml: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(yaml));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The nocloud disk image of a schematic, as Proxmox downloads it. */
export function nocloudImageUrl(factory: string, id: string, version: string, arch = "amd64"): string {
  return `${factory.replace(/\/$/, "")}/image/${id}/${version}/nocloud-${arch}.raw`;
}

/** The installer image reference Talos machine configs use. */
export function installerImage(factory: string, id: string, version: string): string {
  return `${new URL(factory).host}/nocloud-installer/${id}:${version}`;
}

/** Posts the schematic to the factory; returns its id. */
export async function createSchematic(
  factory: string,
  extensions: readonly string[],
  fetcher = fetch,
): Promise<string> {
  const res = await fetcher(`${factory.replace(/\/$/, "")}/schematics`, {
    method: "POST",
    headers: { "content-type": "application/yaml" },
    body: schematicYaml(extensions),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`Image Factory ${factory} rejected the schematic: ${res.status} ${text.trim()}`);
  }
  return (JSON.parse(text) as { id: string }).id;
}
