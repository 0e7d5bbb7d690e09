/**
 * Layer 02, services: sealed-secrets, Flux and the GitOps tree.
 * Its steps arrive with the issues that build them; until then the layer has none.
 */
import type { LayerDefinition } from "../../lib/run/env.ts";

export const services: LayerDefinition = {
  id: "02-services",
  name: "services",
  title: "services",
  steps: () => [],
};
