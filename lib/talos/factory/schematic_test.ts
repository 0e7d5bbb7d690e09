import { assert, assertEquals, assertMatch } from "../../../tests/testing.ts";
import {
  canonicalSchematicYaml,
  InvalidSchematicError,
  parseSchematic,
  schematicFor,
  schematicId,
} from "./schematic.ts";

// Expected ids from siderolabs/image-factory pkg/schematic/schematic_test.go (TestID, TestUnmarshalID)
// and, for extensions, ids published by factory.talos.dev users (see docs/talos.md).
const KNOWN_IDS: [string, string][] = [
  ["{}", "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"],
  ["customization: {}", "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"],
  [
    'customization: {"extraKernelArgs": []}',
    "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba",
  ],
  [
    '{"customization": {"extraKernelArgs": ["noapic", "nolapic"], "systemExtensions": {}}}',
    "9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c",
  ],
  [
    '{"customization": {"meta": [{"key": 10, "value": "foo"}], "extraKernelArgs": [], "systemExtensions": {}}}',
    "d308a2a5ee2277bed5fbaa104fcbc8d59122abfa737df987a95b4ca763459a7f",
  ],
  [
    '{"overlay": {"name": "rpi_generic", "image": "siderolabs/sbc-raspberrypi"},"customization":{}}',
    "ee21ef4a5ef808a9b7484cc0dda0f25075021691c8c09a276591eedb638ea1f9",
  ],
  [
    '{"customization":{"secureboot": {"includeWellKnownCertificates": true}}}',
    "fa8e05f142a851d3ee568eb0a8e5841eaf6b0ebc8df9a63df16ac5ed2c04f3e6",
  ],
  [
    "customization:\n  diskImage:\n    sectorSize: 4096\n",
    "92833e9ddd9bb9e11b2464fa5525429f01866306d52ebd882ee08d7918f6d1ea",
  ],
  // the factory keeps list order: the same two extensions in the other order are another schematic
  [
    "customization:\n  systemExtensions:\n    officialExtensions: [siderolabs/qemu-guest-agent, siderolabs/iscsi-tools]",
    "6ebbfe35c8225645c05d4d19eaad385bd1ec795954932d0ada671388272fec19",
  ],
];

Deno.test("schematic ids equal the real factory's for known schematics", async () => {
  for (const [text, id] of KNOWN_IDS) assertEquals(await schematicId(parseSchematic(text)), id, text);
});

Deno.test("schematicFor: sorted, de-duplicated; ids published for factory.talos.dev", async () => {
  assertEquals(
    await schematicId(schematicFor(["siderolabs/qemu-guest-agent"])),
    "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515",
  );
  const both = schematicFor([
    "siderolabs/qemu-guest-agent",
    "siderolabs/iscsi-tools",
    "siderolabs/iscsi-tools",
  ]);
  assertEquals(both.customization?.systemExtensions?.officialExtensions, [
    "siderolabs/iscsi-tools",
    "siderolabs/qemu-guest-agent",
  ]);
  assertEquals(await schematicId(both), "dc7b152cb3ea99b821fcb7340ce7168313ce393d663740b791c36f6e95fc8586");
  assertEquals(
    await schematicId(schematicFor([])),
    "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba",
  );
});

Deno.test("canonical YAML is go-yaml's marshal of the Schematic struct", () => {
  assertEquals(canonicalSchematicYaml({}), "customization: {}\n");
  assertEquals(
    canonicalSchematicYaml({
      owner: "alice",
      overlay: { name: "rpi_generic", image: "siderolabs/sbc-raspberrypi", options: { z: 1, a: ["x"] } },
      customization: {
        diskImage: { sectorSize: 4096 },
        bootloader: "sd-boot",
        extraKernelArgs: ["console=ttyS0", "talos.platform=metal"],
        meta: [{ key: 10, value: '{"externalIPs":["1.2.3.4"]}' }],
        embeddedMachineConfiguration: "apiVersion: v1alpha1\nkind: HostnameConfig\n",
      },
    }),
    [
      "owner: alice",
      "overlay:",
      "    image: siderolabs/sbc-raspberrypi",
      "    name: rpi_generic",
      "    options:",
      "        a:",
      "            - x",
      "        z: 1",
      "customization:",
      "    embeddedMachineConfiguration: |",
      "        apiVersion: v1alpha1",
      "        kind: HostnameConfig",
      "    extraKernelArgs:",
      "        - console=ttyS0",
      "        - talos.platform=metal",
      "    meta:",
      "        - key: 10",
      `          value: '{"externalIPs":["1.2.3.4"]}'`,
      "    bootloader: sd-boot",
      "    diskImage:",
      "        sectorSize: 4096",
      "",
    ].join("\n"),
  );
});

Deno.test("parseSchematic refuses what the factory refuses, in its words", () => {
  const refuse = (text: string, re: RegExp) => {
    try {
      parseSchematic(text);
    } catch (err) {
      assert(err instanceof InvalidSchematicError, String(err));
      assertMatch(err.message, re);
      return;
    }
    throw new Error(`accepted: ${text}`);
  };
  refuse(
    "something:",
    /^yaml: construct errors: line 1: field something not found in type schematic\.Schematic$/,
  );
  refuse(
    "customization:\n  systemExtension: {}",
    /line 2: field systemExtension not found in type schematic\.Customization/,
  );
  refuse(
    "customization:\n  meta:\n    - key: 300\n      value: x",
    /cannot construct !!int `300` into uint8/,
  );
  refuse("customization:\n  extraKernelArgs: abc", /cannot construct !!str into \[\]string/);
  refuse("customization:\n  bootloader: lilo", /unknown bootloader kind "lilo"/);
  refuse("", /^EOF$/);
  refuse("customization: [", /^yaml: line/);
});
