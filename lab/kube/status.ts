/**
 * API errors as the real kube-apiserver reports them: a `Status` object with the same `reason`,
 * `code`, `details` and message format as `k8s.io/apimachinery/pkg/api/errors`, and field errors
 * formatted like `field.Error` (`spec.replicas: Invalid value: -1: must be greater than or equal to 0`).
 *
 * @example
 * ```ts
 * throw ApiError.notFound({ group: "apps", resource: "deployments" }, "web");
 * // 404 {"reason":"NotFound","message":"deployments.apps \"web\" not found", ...}
 * ```
 */
import type { JsonObject } from "./types.ts";

/** A group and a plural resource name, e.g. {group: "apps", resource: "deployments"}. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** A group and a kind, e.g. {group: "apps", kind: "Deployment"}. */
export interface GroupKind {
  group: string;
  kind: string;
}

/** `deployments.apps`, or `pods` for the core group (GroupResource.String()). */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** `Deployment.apps`, or `Pod` (GroupKind.String()). */
export function qualifiedKind(gk: GroupKind): string {
  return gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
}

/** field.ErrorType: the text shown in messages and the cause type in Status details. */
export const FIELD_ERROR_TYPES = {
  Required: { text: "Required value", cause: "FieldValueRequired" },
  Invalid: { text: "Invalid value", cause: "FieldValueInvalid" },
  NotSupported: { text: "Unsupported value", cause: "FieldValueNotSupported" },
  Duplicate: { text: "Duplicate value", cause: "FieldValueDuplicate" },
  Forbidden: { text: "Forbidden", cause: "FieldValueForbidden" },
  TooLong: { text: "Too long", cause: "FieldValueTooLong" },
  TooMany: { text: "Too many", cause: "FieldValueTooMany" },
  NotFound: { text: "Not found", cause: "FieldValueNotFound" },
  TypeInvalid: { text: "Invalid value", cause: "FieldValueTypeInvalid" },
  Internal: { text: "Internal error", cause: "InternalError" },
} as const;
export type FieldErrorType = keyof typeof FIELD_ERROR_TYPES;

const OMIT = Symbol("omit");

/** One field validation error (field.Error). */
export class FieldError {
  constructor(
    readonly type: FieldErrorType,
    readonly field: string,
    readonly badValue: unknown = OMIT,
    readonly detail = "",
  ) {}

  static required(field: string, detail = ""): FieldError {
    return new FieldError("Required", field, OMIT, detail);
  }
  static invalid(field: string, value: unknown, detail: string): FieldError {
    return new FieldError("Invalid", field, value, detail);
  }
  static notSupported(field: string, value: unknown, supported: string[]): FieldError {
    const detail = supported.length
      ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(", ")}`
      : "";
    return new FieldError("NotSupported", field, value, detail);
  }
  static forbidden(field: string, detail: string): FieldError {
    return new FieldError("Forbidden", field, OMIT, detail);
  }
  static duplicate(field: string, value: unknown): FieldError {
    return new FieldError("Duplicate", field, value);
  }
  static tooLong(field: string, max: number): FieldError {
    return new FieldError("TooLong", field, OMIT, `may not be more than ${max} bytes`);
  }
  static tooMany(field: string, actual: number, max: number): FieldError {
    return new FieldError("TooMany", field, actual, `must have at most ${max} items`);
  }
  static typeInvalid(field: string, value: unknown, detail: string): FieldError {
    return new FieldError("TypeInvalid", field, value, detail);
  }

  /** The message without the field (ErrorBody). */
  body(): string {
    const t = FIELD_ERROR_TYPES[this.type].text;
    let s: string;
    if (
      this.type === "Required" || this.type === "Forbidden" || this.type === "TooLong" ||
      this.type === "Internal" || this.badValue === OMIT
    ) {
      s = t;
    } else {
      s = `${t}: ${goValue(this.badValue)}`;
    }
    return this.detail ? `${s}: ${this.detail}` : s;
  }

  toString(): string {
    return `${this.field}: ${this.body()}`;
  }
}

/** How Go's %v / %q / %#v show a bad value. */
function goValue(v: unknown): string {
  if (v === null || v === undefined) return "null";
  // a value already spelled the way Go's %#v prints its typed struct
  if (typeof v === "object" && "__go" in v) return String((v as { __go: unknown }).__go);
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goValue).join(", ")}}`;
  return `map[string]interface {}{${
    Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a < b ? -1 : 1)
      .map(([k, x]) => `${JSON.stringify(k)}:${goValue(x)}`).join(", ")
  }}`;
}

/** utilerrors.Aggregate: one message, or `[a, b]` with duplicates removed. */
export function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(", ")}]`;
}

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** An error the API answers with a `Status` object. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The Status object, with the field order the real server writes. */
  status(): JsonObject {
    const s: JsonObject = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
    };
    if (this.reason) s.reason = this.reason;
    if (this.details) s.details = JSON.parse(JSON.stringify(this.details));
    s.code = this.code;
    return s;
  }

  static notFound(gr: GroupResource, name: string): ApiError {
    return new ApiError(404, "NotFound", `${qualifiedResource(gr)} ${JSON.stringify(name)} not found`, {
      name,
      ...(gr.group ? { group: gr.group } : {}),
      kind: gr.resource,
    });
  }

  static alreadyExists(gr: GroupResource, name: string): ApiError {
    return new ApiError(
      409,
      "AlreadyExists",
      `${qualifiedResource(gr)} ${JSON.stringify(name)} already exists`,
      { name, ...(gr.group ? { group: gr.group } : {}), kind: gr.resource },
    );
  }

  static conflict(gr: GroupResource, name: string, why: string): ApiError {
    return new ApiError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualifiedResource(gr)} ${JSON.stringify(name)}: ${why}`,
      { name, ...(gr.group ? { group: gr.group } : {}), kind: gr.resource },
    );
  }

  /** The optimistic-concurrency conflict (registry.OptimisticLockErrorMsg). */
  static modified(gr: GroupResource, name: string): ApiError {
    return ApiError.conflict(
      gr,
      name,
      "the object has been modified; please apply your changes to the latest version and try again",
    );
  }

  static invalid(gk: GroupKind, name: string, errors: FieldError[]): ApiError {
    const causes = errors.map((e) => ({
      reason: FIELD_ERROR_TYPES[e.type].cause,
      message: e.body(),
      field: e.field,
    }));
    const head = `${qualifiedKind(gk)} ${JSON.stringify(name)} is invalid`;
    const message = errors.length ? `${head}: ${aggregate(errors.map((e) => e.toString()))}` : head;
    return new ApiError(422, "Invalid", message, {
      name,
      ...(gk.group ? { group: gk.group } : {}),
      kind: gk.kind,
      causes,
    });
  }

  static badRequest(message: string): ApiError {
    return new ApiError(400, "BadRequest", message);
  }

  static forbidden(gr: GroupResource, name: string, why: string): ApiError {
    const head = name ? `${qualifiedResource(gr)} ${JSON.stringify(name)}` : qualifiedResource(gr);
    return new ApiError(403, "Forbidden", `${head} is forbidden: ${why}`, {
      ...(name ? { name } : {}),
      ...(gr.group ? { group: gr.group } : {}),
      kind: gr.resource,
    });
  }

  static methodNotSupported(gr: GroupResource, action: string): ApiError {
    return new ApiError(
      405,
      "MethodNotAllowed",
      `${action} is not supported on resources of kind ${JSON.stringify(qualifiedResource(gr))}`,
      { ...(gr.group ? { group: gr.group } : {}), kind: gr.resource },
    );
  }

  static expired(message: string): ApiError {
    return new ApiError(410, "Expired", message);
  }

  static gone(message: string): ApiError {
    return new ApiError(410, "Gone", message);
  }

  static unsupportedMediaType(contentType: string, accepted: string[]): ApiError {
    void contentType;
    return new ApiError(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: ${
        accepted.join(", ")
      }`,
    );
  }

  static notAcceptable(accepted: string[]): ApiError {
    return new ApiError(
      406,
      "NotAcceptable",
      `only the following media types are accepted: ${accepted.join(", ")}`,
    );
  }

  static unauthorized(): ApiError {
    return new ApiError(401, "Unauthorized", "Unauthorized");
  }

  /** A request path that matches no route: the real server answers a bare 404 page not found. */
  static pageNotFound(): ApiError {
    return new ApiError(404, "NotFound", "the server could not find the requested resource");
  }

  static internal(message: string): ApiError {
    return new ApiError(500, "InternalError", `Internal error occurred: ${message}`, {
      causes: [{ message }],
    });
  }

  /** SSA conflicts (managedfields NewConflictError). */
  static applyConflict(conflicts: { manager: string; path: string }[]): ApiError {
    const causes = conflicts.map((c) => ({
      reason: "FieldManagerConflict",
      message: `conflict with ${c.manager}`,
      field: c.path,
    }));
    let message: string;
    if (conflicts.length === 1) {
      message = `Apply failed with 1 conflict: conflict with ${conflicts[0].manager}: ${conflicts[0].path}`;
    } else {
      const byManager = new Map<string, string[]>();
      for (const c of conflicts) byManager.set(c.manager, [...byManager.get(c.manager) ?? [], c.path]);
      const lines: string[] = [];
      for (const m of [...byManager.keys()].sort()) {
        lines.push(`conflicts with ${m}:`);
        for (const p of byManager.get(m)!) lines.push(`- ${p}`);
      }
      message = `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
    }
    return new ApiError(409, "Conflict", message, { causes });
  }
}
