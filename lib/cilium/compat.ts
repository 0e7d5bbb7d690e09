/**
 * Which Kubernetes versions each Cilium minor release supports (the "Kubernetes Compatibility"
 * table of the Cilium docs), for the preflight check that the pinned Cilium runs on the
 * configured Kubernetes.
 *
 * @example
 * ```ts
 * ciliumSupportsKubernetes("1.18.2", "v1.33.4"); // { ok: true, … }
 * ```
 */

/** Cilium minor → the Kubernetes minors it is tested against. */
export const CILIUM_KUBERNETES: Record<string, [string, string]> = {
  "1.14": ["1.16", "1.27"],
  "1.15": ["1.16", "1.29"],
  "1.16": ["1.16", "1.30"],
  "1.17": ["1.29", "1.32"],
  "1.18": ["1.30", "1.33"],
  "1.19": ["1.31", "1.34"],
};

function minor(v: string): [number, number] {
  const m = /^v?(\d+)\.(\d+)/.exec(v);
  if (!m) throw new Error(`not a version: ${v}`);
  return [Number(m[1]), Number(m[2])];
}

const cmp = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1];

export interface Compatibility {
  /** true: supported; false: outside the range; undefined: this Cilium minor is not in the table. */
  ok: boolean | undefined;
  message: string;
}

export function ciliumSupportsKubernetes(cilium: string, kubernetes: string): Compatibility {
  const [cm, cn] = minor(cilium);
  const key = `${cm}.${cn}`;
  const range = CILIUM_KUBERNETES[key];
  if (!range) {
    return {
      ok: undefined,
      message: `Cilium ${cilium}: strata does not know which Kubernetes versions Cilium ${key} supports`,
    };
  }
  const k = minor(kubernetes);
  const ok = cmp(k, minor(range[0])) >= 0 && cmp(k, minor(range[1])) <= 0;
  return {
    ok,
    message: ok
      ? `Cilium ${cilium} supports Kubernetes ${kubernetes} (${range[0]}–${range[1]})`
      : `Cilium ${cilium} supports Kubernetes ${range[0]}–${range[1]}, not ${kubernetes}`,
  };
}
