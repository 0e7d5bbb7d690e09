/**
 * Layer 03, configuration: SSO blueprints, DNS records, external monitors.
 * Its steps arrive with the issues that build them; until then the layer has none.
 */
import type { LayerDefinition } from "../../lib/run/env.ts";

export const configuration: LayerDefinition = {
  id: "03-configuration",
  name: "configuration",
  title: "configuration",
  steps: () => [],
};
