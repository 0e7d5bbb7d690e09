/**
 * An emulated Talos Image Factory on a loopback address: `POST /schematics` (only known official
 * extensions are accepted; the id is the SHA-256 of the canonical schematic) and
 * `GET /image/<id>/<version>/nocloud-amd64.raw` (small deterministic bytes per id and version).
 */
import { parse } from "yaml";
import { schematicId, schematicYaml } from "../../lib/talos/factory/schematic.ts";
import type { Trace } from "../trace.ts";

/** Official extensions the lab factory knows (a subset of siderolabs/extensions). */
export const OFFICIAL_EXTENSIONS = [
  "siderolabs/qemu-guest-agent",
  "siderolabs/iscsi-tools",
  "siderolabs/util-linux-tools",
  "siderolabs/intel-ucode",
  "siderolabs/amd-ucode",
  "siderolabs/nfs-utils",
  "siderolabs/zfs",
  "siderolabs/tailscale",
];

export function startFactoryEmulator(options: { address: string; port: number; trace: Trace }) {
  const schematics = new Set<string>();
  const server = Deno.serve({ hostname: options.address, port: options.port, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const reply = (status: number, body: string, type = "text/plain") => {
      options.trace.record({ system: "factory", method: req.method, path: url.pathname, params: {}, status });
      return new Response(body, { status, headers: { "content-type": type } });
    };
    if (req.method === "POST" && url.pathname === "/schematics") {
      let doc: { customization?: { systemExtensions?: { officialExtensions?: string[] } } };
      try {
        doc = parse(await req.text()) ?? {};
      } catch (err) {
        return reply(400, `invalid schematic: ${(err as Error).message}\n`);
      }
      const extensions = doc.customization?.systemExtensions?.officialExtensions ?? [];
      const unknown = extensions.filter((e) => !OFFICIAL_EXTENSIONS.includes(e));
      if (unknown.length) {
        return reply(400, `invalid schematic: unknown extension(s): ${unknown.join(", ")}\n`);
      }
      const id = await schematicId(schematicYaml(extensions));
      schematics.add(id);
      return reply(201, JSON.stringify({ id }), "application/json");
    }
    const image = /^\/image\/([0-9a-f]{64})\/(v\d+\.\d+\.\d+)\/nocloud-amd64\.raw$/.exec(url.pathname);
    if (req.method === "GET" && image) {
      if (!schematics.has(image[1])) return reply(404, "schematic not found\n");
      return reply(
        200,
        `talos ${image[2]} nocloud-amd64 ${image[1]}\n`.repeat(64),
        "application/octet-stream",
      );
    }
    return reply(404, "404 page not found\n");
  });
  return Promise.resolve({
    url: `http://${options.address}:${server.addr.port}`,
    close: () => server.shutdown(),
  });
}
