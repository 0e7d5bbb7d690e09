/** Every node config rendered from the shipped example configs validates against the official schema. */
import { parseConfig } from "../../lib/config/load.ts";
import { machineConfigInputs } from "../../lib/talos/machineconfig/from_config.ts";
import { generateClusterConfigs } from "../../lib/talos/machineconfig/generate.ts";
import { validateMachineConfig } from "../../lib/talos/machineconfig/validate.ts";
import { decodeDocuments } from "../../lib/talos/machineconfig/yaml.ts";
import { assert, assertEquals } from "../testing.ts";
import { ajvErrors, INSTALL_IMAGE, secrets } from "./helpers.ts";

const EXAMPLES = new URL("../../examples/", import.meta.url);

Deno.test("examples/*.yaml: every node's machine config validates (ajv, official v1.13.9 schema)", async () => {
  let files = 0;
  for await (const entry of Deno.readDir(EXAMPLES)) {
    if (!entry.name.endsWith(".yaml")) continue;
    files++;
    const { config } = parseConfig(await Deno.readTextFile(new URL(entry.name, EXAMPLES)), entry.name);
    // nodes without a MAC in the config get the one Proxmox gave the VM
    const macs = Object.fromEntries(
      config.nodes.map((n, i) => [n.name, `BC:24:11:FF:00:${i.toString(16).padStart(2, "0")}`]),
    );
    const { cluster, nodes } = machineConfigInputs(config, secrets, INSTALL_IMAGE, { macs });
    const configs = generateClusterConfigs(cluster, nodes);
    assertEquals(configs.length, config.nodes.length);
    for (const c of configs) {
      for (const d of decodeDocuments(c.yaml)) assertEquals(ajvErrors(d), [], `${entry.name} ${c.node}`);
      assertEquals(validateMachineConfig(c.yaml), [], `${entry.name} ${c.node}`);
    }
  }
  assert(files >= 2, "the examples were found");
});
