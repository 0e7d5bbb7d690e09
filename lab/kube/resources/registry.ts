/**
 * The resources the emulator serves right now: the built-in ones and those of established CRDs.
 * Discovery, routing and the controllers all look resources up here.
 *
 * @example
 * ```ts
 * const registry = new Registry();
 * registry.find("apps", "v1", "deployments")?.kind; // "Deployment"
 * ```
 */
import { BUILTIN_RESOURCES } from "./builtin.ts";
import type { ResourceType } from "./resource.ts";

/** Group order in discovery: the core and built-in groups first, as the real server lists them. */
const GROUP_ORDER = [
  "",
  "apps",
  "batch",
  "rbac.authorization.k8s.io",
  "apiextensions.k8s.io",
  "coordination.k8s.io",
];

export class Registry {
  #builtin = BUILTIN_RESOURCES;
  #custom = new Map<string, ResourceType>(); // by "<plural>.<group>"
  /** byPlural answers by "group/plural" (the controllers ask on every change); cleared when CRDs come or go. */
  #byPlural = new Map<string, ResourceType | undefined>();

  /** All served resources. */
  all(): ResourceType[] {
    return [...this.#builtin, ...this.#custom.values()];
  }

  /** The resource served at group/version/plural, if any. */
  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.all().find((r) => r.group === group && r.plural === plural && r.versions.includes(version));
  }

  /** The resource by group and plural, whatever the version. */
  byPlural(group: string, plural: string): ResourceType | undefined {
    const key = `${group}/${plural}`;
    if (this.#byPlural.has(key)) return this.#byPlural.get(key);
    const rt = this.all().find((r) => r.group === group && r.plural === plural);
    this.#byPlural.set(key, rt);
    return rt;
  }

  byKind(group: string, kind: string): ResourceType | undefined {
    return this.all().find((r) => r.group === group && r.kind === kind);
  }

  /** Whether group/version is served at all. */
  servesGroupVersion(group: string, version: string): boolean {
    return this.all().some((r) => r.group === group && r.versions.includes(version));
  }

  /** Groups with their versions (preferred first), in discovery order. */
  groups(): { group: string; versions: string[] }[] {
    const byGroup = new Map<string, string[]>();
    for (const r of this.all()) {
      const vs = byGroup.get(r.group) ?? [];
      for (const v of r.versions) if (!vs.includes(v)) vs.push(v);
      byGroup.set(r.group, vs);
    }
    const rank = (g: string) => {
      const i = GROUP_ORDER.indexOf(g);
      return i < 0 ? GROUP_ORDER.length : i;
    };
    return [...byGroup.entries()]
      .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
      .map(([group, versions]) => ({ group, versions: sortVersions(versions) }));
  }

  setCustom(key: string, rt: ResourceType): void {
    this.#custom.set(key, rt);
    this.#byPlural.clear();
  }

  removeCustom(key: string): void {
    this.#custom.delete(key);
    this.#byPlural.clear();
  }

  custom(key: string): ResourceType | undefined {
    return this.#custom.get(key);
  }
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first (v2 > v1 > v1beta2 > v1beta1 > v1alpha1). */
export function sortVersions(versions: string[]): string[] {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { rank: 0, major: 0, minor: 0, v };
    return {
      rank: m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1,
      major: Number(m[1]),
      minor: Number(m[3] ?? 0),
      v,
    };
  };
  return versions.map(parse).sort((a, b) =>
    b.rank - a.rank || b.major - a.major || b.minor - a.minor || (a.v < b.v ? -1 : 1)
  ).map((x) => x.v);
}
