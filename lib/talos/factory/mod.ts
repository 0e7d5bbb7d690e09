/**
 * The Talos Image Factory: schematics (content-addressed ids), image URLs for Proxmox, checksums.
 *
 * @example
 * ```ts
 * import { diskImage, ImageFactoryClient, installerImage, schematicFor } from "./mod.ts";
 * const factory = new ImageFactoryClient({ url: config.talos.factory });
 * const { id } = await factory.createSchematic(schematicFor(config.talos.extensions));
 * const image = diskImage({ factory: factory.url, schematic: id, version: config.talos.version });
 * ```
 */
export {
  canonicalSchematicYaml,
  createSchematic,
  InvalidSchematicError,
  parseSchematic,
  type Schematic,
  schematicFor,
  schematicId,
  schematicYaml,
} from "./schematic.ts";
export * from "./image.ts";
export * from "./client.ts";
export { goYaml } from "./go_yaml.ts";
