/**
 * The emulated Talos Image Factory: an HTTP server on a loopback address that answers like
 * siderolabs/image-factory (`docs/api.md`, `internal/frontend/http`):
 *
 * - `POST /schematics`: YAML or JSON, unknown fields refused (400, go-yaml's message); 201 with
 *   `{"id", "schematic"}` where the id is the SHA-256 of the canonical YAML. Like the real factory it
 *   does not check extension names here; images of a schematic with an unknown extension fail (400).
 * - `GET /schematics/<id>`: the canonical YAML, or 404 `schematic not found`.
 * - `GET|HEAD /image/<id>/<version>/<path>`: small deterministic bytes per schematic, version and
 *   path; 404 for an unknown schematic or version, 400 for a path the factory cannot build, 500 for
 *   a version that is not semver (as the real handler does). `.sha256`/`.sha512` suffixes are an
 *   Enterprise feature: 402 on the community edition (the public factory), the checksum line on
 *   `edition: "enterprise"`.
 * - `GET /versions`, `GET /version/<v>/extensions/official`.
 * Errors are plain text with a trailing newline; unknown routes 404, wrong methods 405.
 * Schematics persist in the lab world's `factory` section.
 *
 * @example
 * ```ts
 * const factory = await startFactoryEmulator({ world, clock, profile, random, trace, address: "127.0.0.9", port: 0 });
 * await fetch(`${factory.url}/schematics`, { method: "POST", body: "customization: {}" });
 * await factory.close();
 * ```
 */
import { createHash } from "node:crypto";
import type { Clock } from "../../lib/clock/clock.ts";
import {
  canonicalSchematicYaml,
  InvalidSchematicError,
  parseSchematic,
  schematicId,
} from "../../lib/talos/factory/schematic.ts";
import type { Faults } from "../faults.ts";
import { type LatencyProfile, pick } from "../profile.ts";
import type { Trace } from "../trace.ts";
import type { LabWorld } from "../world.ts";
import { assetBytes, contentType, InvalidAssetPath, parseAssetPath } from "./assets.ts";
import { extensionAvailable, OFFICIAL_EXTENSIONS, TALOS_VERSIONS } from "./catalog.ts";

export interface FactoryEmulatorOptions {
  world: LabWorld;
  clock: Clock;
  profile: LatencyProfile;
  random: () => number;
  trace: Trace;
  faults?: Faults;
  /** Loopback address; port 0 picks a free one (tests). */
  address: string;
  port: number;
  /** `community` (default, like factory.talos.dev) has no checksum endpoints; `enterprise` has. */
  edition?: "community" | "enterprise";
  /** Talos versions the factory builds; default {@link TALOS_VERSIONS}. */
  versions?: readonly string[];
  /** Official extensions; default {@link OFFICIAL_EXTENSIONS}. */
  extensions?: readonly string[];
}

export interface FactoryEmulator {
  url: string;
  address: string;
  port: number;
  close(): Promise<void>;
}

/** The lab world's factory section. */
export interface FactoryWorld {
  /** Canonical schematic YAML by id. */
  schematics: Record<string, string>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-.]+)?$/;

export function startFactoryEmulator(options: FactoryEmulatorOptions): Promise<FactoryEmulator> {
  const { world, clock, profile, random, trace } = options;
  const state = world.section<FactoryWorld>("factory", () => ({ schematics: {} }));
  const versions = options.versions ?? TALOS_VERSIONS;
  const extensions = options.extensions ?? OFFICIAL_EXTENSIONS;
  const enterprise = options.edition === "enterprise";

  const text = (status: number, body: string, headers: Record<string, string> = {}) =>
    new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });
  const json = (status: number, value: unknown) =>
    new Response(JSON.stringify(value) + "\n", { status, headers: { "content-type": "application/json" } });

  /** The version as the factory checks it: semver (500 otherwise), then in the list (404). */
  const knownVersion = (tag: string): string => {
    const v = tag.startsWith("v") ? tag.slice(1) : tag;
    if (!SEMVER.test(v)) throw new HttpError(500, "internal server error");
    if (!versions.includes(`v${v}`)) throw new HttpError(404, `version ${v} is not available`);
    return `v${v}`;
  };

  const schematic = (id: string) => {
    const yaml = state.schematics[id];
    if (yaml === undefined) throw new HttpError(404, `schematic ID "${id}" not found`);
    return parseSchematic(yaml);
  };

  async function image(
    req: Request,
    url: URL,
    id: string,
    version: string,
    rawPath: string,
  ): Promise<Response> {
    let path = rawPath;
    let sum: "sha256" | "sha512" | undefined;
    for (const algo of ["sha256", "sha512"] as const) {
      if (path.endsWith(`.${algo}`)) [path, sum] = [path.slice(0, -(algo.length + 1)), algo];
    }
    if (path.endsWith(".sigstore.json")) {
      throw new HttpError(402, "enterprise signing is not enabled: signature endpoint is not available");
    }
    if (sum && !enterprise) {
      throw new HttpError(402, "enterprise not enabled: checksum endpoint is not available");
    }
    const s = schematic(id);
    const v = version.startsWith("v") ? version.slice(1) : version;
    if (!SEMVER.test(v)) throw new HttpError(500, "internal server error");
    let asset;
    try {
      asset = parseAssetPath(path);
    } catch (err) {
      if (err instanceof InvalidAssetPath) {
        throw new HttpError(400, `error parsing profile from path: ${err.message}`);
      }
      throw err;
    }
    const wanted = s.customization?.systemExtensions?.officialExtensions ?? [];
    if (wanted.length && asset.kind !== "kernel" && asset.kind !== "cmdline") {
      if (!versions.includes(`v${v}`)) {
        throw new HttpError(
          404,
          `error enhancing profile from schematic: error getting official extensions: version ${v} is not available`,
        );
      }
      const missing = wanted.find((e) => !extensionAvailable(e, extensions));
      if (missing) {
        throw new HttpError(
          400,
          `error enhancing profile from schematic: official extension "${missing}" is not available for Talos version v${v}`,
        );
      }
    }
    const tag = knownVersion(version);
    const filename = url.searchParams.get("filename") || path;
    const bytes = await assetBytes(id, tag, path, asset);
    if (sum) {
      const line = `${createHash(sum).update(bytes).digest("hex")}  ${filename}\n`;
      return text(200, req.method === "HEAD" ? "" : line, {
        "content-disposition": `attachment; filename="${filename}.${sum}"`,
      });
    }
    return new Response(req.method === "HEAD" ? null : bytes, {
      status: 200,
      headers: {
        "content-type": contentType(path),
        "content-length": String(bytes.length),
        "content-disposition": `attachment; filename="${filename}"`,
      },
    });
  }

  async function route(req: Request, url: URL, params: Record<string, unknown>): Promise<Response> {
    const parts = url.pathname.split("/").slice(1);
    const method = req.method;
    const allow = (...methods: string[]) => {
      if (!methods.includes(method)) throw new HttpError(405, "Method Not Allowed");
    };
    if (url.pathname === "/schematics") {
      allow("POST");
      const body = await req.text();
      params.body = body;
      let parsed;
      try {
        parsed = parseSchematic(body);
      } catch (err) {
        if (err instanceof InvalidSchematicError) throw new HttpError(400, err.message);
        throw err;
      }
      if (parsed.owner && !enterprise) {
        throw new HttpError(400, "owner field is only supported in Enterprise edition");
      }
      const id = await schematicId(parsed);
      const canonical = canonicalSchematicYaml(parsed);
      if (state.schematics[id] === undefined) {
        state.schematics[id] = canonical;
        await world.save();
      }
      return json(201, { id, schematic: canonical });
    }
    if (parts[0] === "schematics" && parts.length === 2) {
      allow("GET");
      const yaml = state.schematics[parts[1]];
      if (yaml === undefined) return text(404, "schematic not found\n");
      return new Response(yaml, { status: 200, headers: { "content-type": "application/yaml" } });
    }
    if (parts[0] === "image" && parts.length === 4) {
      allow("GET", "HEAD");
      return await image(req, url, parts[1], parts[2], decodeURIComponent(parts[3]));
    }
    if (url.pathname === "/versions") {
      allow("GET");
      return json(200, versions);
    }
    if (
      parts[0] === "version" && parts.length === 4 && parts[2] === "extensions" && parts[3] === "official"
    ) {
      allow("GET");
      const tag = knownVersion(parts[1]);
      return json(
        200,
        extensions.map((name) => ({
          name,
          ref: `ghcr.io/${name}:${tag}`,
          digest: `sha256:${createHash("sha256").update(`${name}@${tag}`).digest("hex")}`,
          author: "Sidero Labs",
          description: `${name} (lab)`,
        })),
      );
    }
    throw new HttpError(404, "404 page not found");
  }

  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    const record = (status: number | string) =>
      trace.record({
        system: "factory",
        method: req.method,
        path: url.pathname,
        params,
        status,
        at: clock.now(),
        host: options.address,
      });
    const fault = options.faults?.next() ?? { kind: "none" };
    if (fault.kind === "spike") await clock.sleep(fault.ms);
    if (fault.kind === "drop") {
      record("dropped");
      return new Response(
        new ReadableStream({ start: (c) => c.error(new Error("connection dropped by fault injection")) }),
      );
    }
    if (fault.kind === "error") {
      record(503);
      return text(503, "service temporarily unavailable\n");
    }
    const wait = pick(profile.apiCall, random);
    if (wait > 0) await clock.sleep(wait);
    let res: Response;
    try {
      res = await route(req, url, params);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      res = text(err.status, err.message + "\n", { "x-content-type-options": "nosniff" });
    }
    record(res.status);
    return res;
  };

  const server = Deno.serve({ hostname: options.address, port: options.port, onListen() {} }, handler);
  const port = server.addr.port;
  return Promise.resolve({
    url: `http://${options.address}:${port}`,
    address: options.address,
    port,
    close: () => server.shutdown(),
  });
}
