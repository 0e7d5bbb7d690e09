/**
 * Cilium as strata installs it: chart values from the config, the chart's objects rendered by our
 * own code, the files `render` writes to `DIR/cilium/`, and the Kubernetes compatibility table.
 *
 * @example
 * ```ts
 * const { objects, files } = ciliumInstall(inputs);
 * ```
 */
import { stringify } from "yaml";
import type { KubeObject } from "../kube/client.ts";
import { renderCilium } from "./render.ts";
import { type CiliumInputs, type CiliumValues, ciliumValues } from "./values.ts";

export * from "./compat.ts";
export * from "./render.ts";
export * from "./values.ts";

export interface CiliumInstall {
  values: CiliumValues;
  objects: KubeObject[];
  /** `render` output, by path under the render folder. */
  files: Record<string, string>;
}

/** Values, objects and files for these inputs (pure: no network, same output for same inputs). */
export function ciliumInstall(inputs: CiliumInputs): CiliumInstall {
  const values = ciliumValues(inputs);
  const objects = renderCilium(values, inputs.version);
  const header =
    `# Cilium ${inputs.version}, rendered by strata; applied by server-side apply (field manager strata)\n`;
  const manifests = header + objects.map((o) => "---\n" + stringify(o, { lineWidth: 0 })).join("");
  return {
    values,
    objects,
    files: {
      "cilium/values.yaml":
        `# Helm chart values equivalent to what strata renders (cilium/cilium ${inputs.version})\n` +
        stringify(values, { lineWidth: 0 }),
      "cilium/manifests.yaml": manifests,
    },
  };
}
