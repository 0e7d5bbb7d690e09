import { SECRET_PLACEHOLDER } from "./definitions.ts";

/**
 * Replaces `${secret:MONITOR_SECRET_X}` placeholders with Worker env values, so definitions stored in D1
 * (and returned by the API) never contain the secrets themselves.
 *
 * @example
 * ```ts
 * import { resolveSecrets } from "./secrets.ts";
 * resolveSecrets("Bearer ${secret:MONITOR_SECRET_A}", { MONITOR_SECRET_A: "x" }); // { value: "Bearer x" }
 * ```
 */
export function resolveSecrets(
  text: string,
  env: Record<string, unknown>,
): { value: string; missing?: undefined } | {
  value?: undefined;
  missing: string;
} {
  let missing: string | undefined;
  const value = text.replace(SECRET_PLACEHOLDER, (_all, name: string) => {
    const v = env[name];
    if (typeof v !== "string" || !name.startsWith("MONITOR_SECRET_")) {
      missing ??= name;
      return "";
    }
    return v;
  });
  return missing ? { missing } : { value };
}
