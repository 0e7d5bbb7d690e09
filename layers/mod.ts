/** The four layers, in bootstrap order, and how users name them on the command line. */
import type { LayerId } from "../lib/engine/types.ts";
import { UsageError } from "../lib/errors.ts";
import type { LayerDefinition } from "../lib/run/env.ts";
import { persistentAuth } from "./00-persistent-auth/mod.ts";
import { infrastructure } from "./01-infrastructure/mod.ts";
import { services } from "./02-services/mod.ts";
import { configuration } from "./03-configuration/mod.ts";

export const LAYERS: readonly LayerDefinition[] = [persistentAuth, infrastructure, services, configuration];

/** `persistent-auth`, `00`, or `00-persistent-auth` → the layer id. */
export function parseLayer(value: string, flag: string): LayerId {
  const layer = LAYERS.find((l) => value === l.name || value === l.id || value === l.id.slice(0, 2));
  if (!layer) {
    throw new UsageError(
      `${flag}: unknown layer "${value}"`,
      `use one of ${LAYERS.map((l) => `${l.name} (${l.id.slice(0, 2)})`).join(", ")}`,
    );
  }
  return layer.id;
}

export function layerById(id: LayerId): LayerDefinition {
  return LAYERS.find((l) => l.id === id)!;
}
