/**
 * Image Factory client: schematics, versions, official extensions and image checksums, over the
 * factory's HTTP API (siderolabs/image-factory `docs/api.md`). The factory URL is configurable so
 * mirrors and air-gapped factories work the same as factory.talos.dev.
 *
 * Errors: connection failures, 429 and 5xx are {@link TransientError} (the engine retries them);
 * 4xx are {@link StrataError}s that keep the factory's plain-text message and name `talos.factory`.
 *
 * @example
 * ```ts
 * const factory = new ImageFactoryClient({ url: "https://factory.talos.dev" });
 * await factory.checkExtensions("v1.13.9", ["siderolabs/qemu-guest-agent"]);
 * const { id } = await factory.createSchematic(schematicFor(["siderolabs/qemu-guest-agent"]));
 * const sum = await factory.imageChecksum(diskImage({ factory: factory.url, schematic: id, version: "v1.13.9" }).url);
 * ```
 */
import { createHash } from "node:crypto";
import { didYouMean } from "../../config/did_you_mean.ts";
import { StrataError, TransientError, UsageError } from "../../errors.ts";
import { factoryBase, normalizeVersion } from "./image.ts";
import { canonicalSchematicYaml, type Schematic, schematicId } from "./schematic.ts";

/** One entry of `GET /version/<v>/extensions/official`. */
export interface OfficialExtension {
  name: string;
  ref: string;
  digest: string;
  author?: string;
  description?: string;
}

/** A checksum for an image, and where it came from. */
export interface ImageChecksum {
  algorithm: "sha256";
  /** Lower-case hex. */
  value: string;
  /**
   * `factory`: the factory's `.sha256` sidecar (Enterprise factories and mirrors that publish one).
   * `computed`: strata downloaded the image once and hashed it, because the factory has no checksum
   * endpoint (the public factory answers 402); Proxmox then verifies its own download against it.
   */
  source: "factory" | "computed";
  /** Bytes hashed, when computed. */
  size?: number;
}

export interface ImageFactoryClientOptions {
  /** Factory base URL, e.g. https://factory.talos.dev. */
  url: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export class ImageFactoryClient {
  readonly url: string;
  readonly #fetch: typeof fetch;
  readonly #signal?: AbortSignal;

  constructor(opts: ImageFactoryClientOptions) {
    this.url = factoryBase(opts.url);
    this.#fetch = opts.fetch ?? fetch;
    this.#signal = opts.signal;
  }

  /**
   * Stores the schematic (`POST /schematics`); returns the factory's id. The id is checked against
   * the one computed locally, so a factory (or proxy) that changed the schematic is caught.
   */
  async createSchematic(schematic: Schematic): Promise<{ id: string; schematic: string }> {
    const body = canonicalSchematicYaml(schematic);
    const res = await this.#request("POST", "/schematics", {
      body,
      headers: { "content-type": "application/yaml" },
    });
    const text = await res.text();
    if (res.status !== 201 && res.status !== 200) throw this.#error(res, text, "creating the schematic");
    let answer: { id?: unknown; schematic?: unknown };
    try {
      answer = JSON.parse(text);
    } catch {
      throw new StrataError(
        `Image Factory ${this.url} answered POST /schematics with non-JSON: ${clip(text)}`,
      );
    }
    const expected = await schematicId(schematic);
    if (answer.id !== expected) {
      throw new StrataError(
        `Image Factory ${this.url} named the schematic ${String(answer.id)}, expected ${expected} ` +
          "(the SHA-256 of its canonical YAML)",
        undefined,
        "check that talos.factory points at a Talos Image Factory (a mirror must keep schematics unchanged)",
      );
    }
    return { id: expected, schematic: typeof answer.schematic === "string" ? answer.schematic : body };
  }

  /** The stored schematic's YAML (`GET /schematics/<id>`); undefined when the factory has none. */
  async getSchematic(id: string): Promise<string | undefined> {
    const res = await this.#request("GET", `/schematics/${encodeURIComponent(id)}`);
    const text = await res.text();
    if (res.status === 404) return undefined;
    if (!res.ok) throw this.#error(res, text, `reading schematic ${id}`);
    return text;
  }

  /** Talos versions the factory can build (`GET /versions`). */
  async versions(): Promise<string[]> {
    return await this.#json<string[]>("/versions", "listing Talos versions");
  }

  /** Official extensions available for a Talos version. */
  async officialExtensions(version: string): Promise<OfficialExtension[]> {
    return await this.#json<OfficialExtension[]>(
      `/version/${encodeURIComponent(normalizeVersion(version))}/extensions/official`,
      `listing official extensions for ${normalizeVersion(version)}`,
    );
  }

  /**
   * Checks that every extension exists for the version, before a schematic is made: the factory
   * accepts any name in a schematic and only fails when the image is built.
   */
  async checkExtensions(version: string, extensions: readonly string[]): Promise<void> {
    const known = (await this.officialExtensions(version)).map((e) => e.name);
    const unknown = extensions.filter((e) => !known.includes(e));
    if (!unknown.length) return;
    const hints = unknown.map((u) => {
      const guess = didYouMean(u, known);
      return guess ? `${u} (did you mean ${guess}?)` : u;
    });
    throw new UsageError(
      `talos.extensions: ${hints.join(", ")} ${unknown.length === 1 ? "is not an" : "are not"} official ` +
        `extension${unknown.length === 1 ? "" : "s"} for Talos ${normalizeVersion(version)} at ${this.url}`,
      `see ${this.url}/version/${normalizeVersion(version)}/extensions/official for the names`,
    );
  }

  /**
   * A SHA-256 checksum for an image URL: the factory's `.sha256` sidecar when it serves one,
   * otherwise computed by downloading the image once (see {@link ImageChecksum.source}).
   */
  async imageChecksum(imageUrl: string): Promise<ImageChecksum> {
    const sidecar = await this.#fetchUrl("GET", `${imageUrl}.sha256`);
    const sidecarText = await sidecar.text();
    if (sidecar.ok) {
      const m = /^([0-9a-fA-F]{64})\b/.exec(sidecarText.trim());
      if (!m) throw new StrataError(`${imageUrl}.sha256 is not a checksum line: ${clip(sidecarText)}`);
      return { algorithm: "sha256", value: m[1].toLowerCase(), source: "factory" };
    }
    // 402: community factory without checksums; 404: a mirror without sidecars
    if (sidecar.status !== 402 && sidecar.status !== 404) {
      throw this.#error(sidecar, sidecarText, `fetching ${imageUrl}.sha256`);
    }
    const res = await this.#fetchUrl("GET", imageUrl);
    if (!res.ok || !res.body) throw this.#error(res, await res.text(), `downloading ${imageUrl}`);
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of res.body) {
      hash.update(chunk);
      size += chunk.byteLength;
    }
    const declared = res.headers.get("content-length");
    if (declared !== null && Number(declared) !== size) {
      throw new TransientError(`${imageUrl}: received ${size} bytes, the factory announced ${declared}`);
    }
    return { algorithm: "sha256", value: hash.digest("hex"), source: "computed", size };
  }

  async #json<T>(path: string, what: string): Promise<T> {
    const res = await this.#request("GET", path);
    const text = await res.text();
    if (!res.ok) throw this.#error(res, text, what);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new StrataError(`Image Factory ${this.url}: ${what}: answer is not JSON: ${clip(text)}`);
    }
  }

  #request(method: string, path: string, init: RequestInit = {}): Promise<Response> {
    return this.#fetchUrl(method, this.url + path, init);
  }

  async #fetchUrl(method: string, url: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await this.#fetch(url, { ...init, method, signal: this.#signal });
    } catch (err) {
      if (this.#signal?.aborted) throw err;
      throw new TransientError(`Image Factory ${this.url} is not reachable (${(err as Error).message})`, {
        cause: err,
        remedy: "check talos.factory and the network path to it",
      });
    }
  }

  #error(res: Response, text: string, what: string): StrataError {
    const message = `Image Factory ${this.url}: ${what}: ${res.status} ${clip(text) || res.statusText}`;
    if (res.status === 429 || res.status >= 500) return new TransientError(message);
    return new StrataError(message, undefined, "check talos.factory, talos.version and talos.extensions");
  }
}

function clip(text: string): string {
  const t = text.trim();
  return t.length > 300 ? t.slice(0, 300) + "…" : t;
}
