/**
 * HTTP details of the Kubernetes API: content negotiation of the `Accept` header (plain JSON,
 * server-side tables, partial object metadata, aggregated discovery), request body decoding
 * (JSON or YAML) and the response headers the real server sends.
 *
 * @example
 * ```ts
 * negotiate("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"); // {as: "Table"}
 * ```
 */
import { parse as parseYaml } from "yaml";
import { ApiError } from "./status.ts";

export type Representation =
  | { as: "json" }
  | { as: "Table"; version: "v1" | "v1beta1" }
  | { as: "PartialObjectMetadata"; version: "v1" | "v1beta1"; list: boolean }
  | { as: "APIGroupDiscoveryList"; version: "v2" | "v2beta1" };

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(accept: string | null): MediaRange[] {
  if (!accept) return [{ type: "*/*", params: {} }];
  return accept.split(",").map((part) => {
    const [type, ...rest] = part.split(";").map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const i = p.indexOf("=");
      if (i > 0) params[p.slice(0, i).trim()] = p.slice(i + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  }).filter((m) => m.type);
}

const ACCEPTED = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];

/**
 * The first representation in the client's order that the server can produce for this kind of
 * request: `discovery` allows aggregated discovery; `object` allows tables and metadata.
 */
export function negotiate(
  accept: string | null,
  allow: { discovery?: boolean; object?: boolean },
): Representation {
  for (const m of parseAccept(accept)) {
    const json = m.type === "application/json" || m.type === "*/*" || m.type === "application/*";
    if (!json) continue;
    const as = m.params.as;
    if (!as) return { as: "json" };
    if (m.params.g === "meta.k8s.io" && allow.object) {
      const v = m.params.v;
      if (v !== "v1" && v !== "v1beta1") continue;
      if (as === "Table") return { as: "Table", version: v };
      if (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") {
        return { as: "PartialObjectMetadata", version: v, list: as.endsWith("List") };
      }
    }
    if (m.params.g === "apidiscovery.k8s.io" && allow.discovery && as === "APIGroupDiscoveryList") {
      if (m.params.v === "v2" || m.params.v === "v2beta1") {
        return { as: "APIGroupDiscoveryList", version: m.params.v };
      }
    }
  }
  throw ApiError.notAcceptable(ACCEPTED);
}

/** Decodes a JSON or YAML request body. */
export function decodeBody(text: string, contentType: string | null): unknown {
  const type = (contentType ?? "application/json").split(";")[0].trim().toLowerCase();
  if (type === "application/vnd.kubernetes.protobuf") {
    throw new ApiError(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    );
  }
  if (!text.trim()) throw ApiError.badRequest("the body of the request was empty");
  try {
    return type === "application/yaml" ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw ApiError.badRequest(`error decoding request body: ${(err as Error).message}`);
  }
}

/** Headers on every API response. */
export function baseHeaders(contentType = "application/json"): Headers {
  const h = new Headers({ "content-type": contentType, "cache-control": "no-cache, private" });
  h.set("audit-id", crypto.randomUUID());
  h.set("x-kubernetes-pf-flowschema-uid", "7d3c3f0e-5a57-4a4b-9b1e-4b1c5d0f6a01");
  h.set("x-kubernetes-pf-prioritylevel-uid", "2f0e0b52-7e2b-4b46-8d0e-1c0a2d9f7b02");
  return h;
}

export function jsonResponse(
  body: unknown,
  status = 200,
  warnings: string[] = [],
  contentType?: string,
): Response {
  const h = baseHeaders(contentType);
  for (const w of warnings) h.append("warning", `299 - ${JSON.stringify(w)}`);
  return new Response(JSON.stringify(body) + "\n", { status, headers: h });
}

export function errorResponse(err: ApiError): Response {
  return jsonResponse(err.status(), err.code);
}
