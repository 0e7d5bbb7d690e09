/**
 * The text formats of the config file (addresses, networks, sizes, versions, names), each with
 * what a right value looks like and, for the usual slips, the corrected value.
 *
 * A format becomes a zod string schema with {@link formatSchema}: a wrong value is one custom
 * issue whose `params.hint` says what would be right, and the JSON Schema keeps the pattern so
 * editors flag the same mistakes.
 *
 * @example
 * ```ts
 * FORMATS.size.hint?.("8GB"); // "write 8GiB (sizes are binary: 1GiB = 1024MiB)"
 * const memory = formatSchema(FORMATS.size);
 * ```
 */
import { z } from "zod";
import { intToIp, ipToInt, isIpv6, parseCidr } from "./net.ts";

/** A text format: its pattern, what it must be (for messages) and a hint for a wrong value. */
export interface Format {
  /** Whole-value pattern; also the JSON Schema `pattern`. */
  pattern: RegExp;
  /** What a right value is, completing "must be …". */
  expect: string;
  /** One right value, for the JSON Schema `examples`. */
  example: string;
  /** Checks the pattern cannot express; returns what is wrong, or undefined when fine. */
  check?: (value: string) => string | undefined;
  /** What would be right for this wrong value. */
  hint?: (value: string) => string | undefined;
}

const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = `${OCTET}(\\.${OCTET}){3}`;
const LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
const PRERELEASE = "(-[0-9A-Za-z.-]+)?";

/** Lower-cased, with anything not allowed in a DNS label turned into '-'. */
function asLabel(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63);
}

const suggest = (fixed: string | undefined, value: string, why = "") =>
  fixed && fixed !== value ? `write ${fixed}${why}` : undefined;

export const FORMATS = {
  dnsLabel: {
    pattern: new RegExp(`^${LABEL}$`),
    expect: "a DNS label (1-63 of a-z, 0-9 and '-', with a letter or digit at each end)",
    example: "homelab",
    hint: (v) => suggest(asLabel(v) || undefined, v),
  },
  dnsName: {
    pattern: new RegExp(`^(?=.{1,253}$)${LABEL}(\\.${LABEL})*$`),
    expect: "a DNS name like k8s.example.com (lower-case)",
    example: "k8s.example.com",
    hint: (v) => suggest(v.toLowerCase().replace(/\.$/, ""), v),
  },
  ipv4: {
    pattern: new RegExp(`^${IPV4}$`),
    expect: "an IPv4 address like 10.0.1.11",
    example: "10.0.1.11",
    hint: (v) =>
      /^[\d.]+\/\d+$/.test(v)
        ? `write only the address, ${v.split("/")[0]}; the prefix length comes from network.subnets`
        : undefined,
  },
  cidr: {
    pattern: new RegExp(`^${IPV4}/(3[0-2]|[12]?\\d)$`),
    expect: "an IPv4 network in CIDR form like 10.0.0.0/16",
    example: "10.0.0.0/16",
    check: (v) => parseCidr(v) ? undefined : "has host bits set (it is an address, not a network)",
    hint: (v) => {
      const [ip, prefix] = v.split("/");
      const n = ipToInt(ip);
      if (n === undefined) return undefined;
      if (prefix === undefined) return `add the prefix length, e.g. ${ip}/24`;
      const p = Number(prefix);
      if (!(p >= 0 && p <= 32)) return undefined;
      const mask = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
      return `the network is ${intToIp((n & mask) >>> 0)}/${p}`;
    },
  },
  host: {
    pattern: new RegExp(`^(${IPV4}|(?=.{1,253}$)${LABEL}(\\.${LABEL})*)$`),
    expect: "an IPv4 address or a DNS name",
    example: "10.0.0.10",
  },
  mac: {
    pattern: /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/,
    expect: "a MAC address like BC:24:11:00:01:11",
    example: "BC:24:11:00:01:11",
    check: (v) =>
      parseInt(v.slice(0, 2), 16) & 1
        ? "is a multicast address (the first octet is odd); a NIC needs a unicast one"
        : /^(00:){5}00$/.test(v)
        ? "is all zeros"
        : undefined,
    hint: (v) => {
      const fixed = v.replace(/[-.]/g, ":").toUpperCase();
      if (/^[0-9A-F]{12}$/.test(fixed)) return `write ${fixed.match(/../g)!.join(":")}`;
      if (/^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/.test(fixed) && fixed !== v.toUpperCase()) return `write ${fixed}`;
      if (parseInt(v.slice(0, 2), 16) & 1) return "Proxmox's own prefix BC:24:11 is a safe choice";
      return undefined;
    },
  },
  size: {
    pattern: /^\d+(\.\d+)?(MiB|GiB|TiB)$/,
    expect: "a size with a binary unit, like 8GiB or 512MiB",
    example: "8GiB",
    hint: (v) => {
      const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt])?(i?b)?\s*$/i.exec(v);
      if (!m) return undefined;
      if (!m[2]) {
        const n = Number(m[1]);
        return n >= 64 && Number.isInteger(n / 1024)
          ? `add a unit: ${n}MiB (= ${n / 1024}GiB)`
          : n >= 64
          ? `add a unit: ${n}MiB`
          : `add a unit: ${n}GiB`;
      }
      if (m[2].toLowerCase() === "k") return "sizes go down to MiB";
      return suggest(`${m[1]}${m[2].toUpperCase()}iB`, v, " (sizes are binary: 1GiB = 1024MiB)");
    },
  },
  talosVersion: {
    pattern: new RegExp(`^v\\d+\\.\\d+\\.\\d+${PRERELEASE}$`),
    expect: "a Talos version like v1.13.9",
    example: "v1.13.9",
    hint: versionHint("v"),
  },
  kubernetesVersion: {
    pattern: new RegExp(`^v\\d+\\.\\d+\\.\\d+${PRERELEASE}$`),
    expect: "a Kubernetes version like v1.33.4",
    example: "v1.33.4",
    hint: versionHint("v"),
  },
  ciliumVersion: {
    pattern: new RegExp(`^\\d+\\.\\d+\\.\\d+${PRERELEASE}$`),
    expect: "a Cilium version like 1.18.2 (no 'v')",
    example: "1.18.2",
    hint: versionHint(""),
  },
  sshFingerprint: {
    pattern: /^SHA256:[A-Za-z0-9+/]{43}$/,
    expect: "an SSH host key fingerprint like SHA256:<43 base64 characters>",
    example: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
    hint: (v) =>
      /^(MD5:)?([0-9a-f]{2}:){15}[0-9a-f]{2}$/i.test(v)
        ? "that is an MD5 fingerprint; give the SHA256 one: ssh-keyscan HOST | ssh-keygen -lf -"
        : /^SHA256:[A-Za-z0-9+/]{43}=$/.test(v)
        ? `drop the trailing '=': ${v.slice(0, -1)}`
        : "get it with: ssh-keyscan HOST | ssh-keygen -lf -",
  },
  extension: {
    pattern: /^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/,
    expect: "a system extension name like siderolabs/qemu-guest-agent",
    example: "siderolabs/qemu-guest-agent",
    hint: (v) => /^[a-z0-9][a-z0-9-]*$/.test(v) ? `write siderolabs/${v}` : undefined,
  },
  gitUrl: {
    pattern: /^ssh:\/\/([^\s@/]+@)?[^\s@/]+\/\S+$/,
    expect: "an ssh:// git URL like ssh://git@github.com/me/homelab.git (Flux uses an SSH deploy key)",
    example: "ssh://git@github.com/me/homelab.git",
    hint: (v) => {
      const scp = /^([\w.-]+@)?([\w.-]+):(?!\/\/)(\S+)$/.exec(v);
      if (scp) return `Flux needs the URL form: ssh://${scp[1] ?? "git@"}${scp[2]}/${scp[3]}`;
      const web = /^https?:\/\/(?:[^@/]+@)?([^/\s]+)\/(\S+?)(\.git)?\/?$/.exec(v);
      if (web) return `strata gives Flux an SSH deploy key: write ssh://git@${web[1]}/${web[2]}.git`;
      return undefined;
    },
  },
  repoPath: {
    pattern: /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._\/-]+$/,
    expect: "a folder inside the repository, relative to its root, like flux or clusters/homelab",
    example: "flux",
    hint: (v) => v.startsWith("/") ? `write ${v.replace(/^\/+/, "")}` : undefined,
  },
  labelKey: {
    pattern: new RegExp(`^(${LABEL}(\\.${LABEL})*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`),
    expect: "a Kubernetes label key like node.kubernetes.io/role or zone",
    example: "topology.kubernetes.io/zone",
  },
  labelValue: {
    pattern: /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/,
    expect: "a Kubernetes label value: up to 63 letters, digits, '-', '_' or '.'",
    example: "rack-1",
  },
  ipv6: {
    pattern: /^[0-9A-Fa-f:.]+$/,
    expect: "an IPv6 address like 2001:db8::1",
    example: "2001:db8::1",
    check: (v) => isIpv6(v) ? undefined : "is not an IPv6 address",
  },
} satisfies Record<string, Format>;

function versionHint(prefix: "v" | "") {
  return (value: string): string | undefined => {
    const m = /^v?(\d+)\.(\d+)(\.(\d+))?(-\S+)?$/.exec(value.trim());
    if (!m) return undefined;
    if (m[3] === undefined) return `give the full version, e.g. ${prefix}${m[1]}.${m[2]}.0`;
    return suggest(`${prefix}${m[1]}.${m[2]}.${m[4]}${m[5] ?? ""}`, value);
  };
}

/** What a wrong value fails: undefined when `value` is right. */
export function formatProblem(format: Format, value: string): string | undefined {
  if (!format.pattern.test(value)) return `must be ${format.expect}`;
  return format.check?.(value);
}

/**
 * A zod string schema for `format`. A missing value reads "is required (…)", a value of another
 * type "must be …"; a wrong string gives one issue carrying `params.hint`.
 */
export function formatSchema(format: Format) {
  BY_EXPECT.set(format.expect, format);
  return z.string({ error: (issue) => typeMessage(format.expect, issue.input) })
    .superRefine((value, ctx) => {
      const problem = formatProblem(format, value);
      if (problem) {
        ctx.addIssue({
          code: "custom",
          message: problem,
          input: value,
          params: { hint: format.hint?.(value) },
        });
      }
    })
    .meta({ pattern: format.pattern.source, examples: [format.example] });
}

const BY_EXPECT = new Map<string, Format>();

/** The format whose type message is `message` ("must be …" / "is required: …"), if any. */
export function formatOfMessage(message: string): Format | undefined {
  return BY_EXPECT.get(message.replace(/^(must be |is required: )/, ""));
}

/** The message for a missing value or a value of the wrong type. */
export function typeMessage(expect: string, input: unknown): string {
  return input === undefined ? `is required: ${expect}` : `must be ${expect}`;
}

/** Hides a password written into a URL (`https://user:pw@host`) before a value is shown. */
export function redactUrl(text: string): string {
  return text.replace(/(\/\/[^/@:\s]+):[^/@\s]*@/g, "$1:***@");
}

/**
 * A URL format: one of `protocols`, no credentials (the config holds no secrets), and with
 * `originOnly` nothing after the host and port.
 */
export function urlFormat(
  options: { protocols: ("http" | "https")[]; originOnly?: boolean; example: string; what: string },
): Format {
  const { protocols, originOnly, example, what } = options;
  const schemes = protocols.map((p) => `${p}://`).join(" or ");
  return {
    pattern: new RegExp(`^(${protocols.join("|")})://\\S+$`),
    expect: `${what}: an ${schemes} URL like ${example}`,
    example,
    check: (value) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return "is not a valid URL";
      }
      if (url.username || url.password) return "holds credentials (secrets never go in the config)";
      if (originOnly && (url.pathname !== "/" || url.search || url.hash)) return "has a path";
      return undefined;
    },
    hint: (value) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return /^[\w.-]+(:\d+)?(\/.*)?$/.test(value)
          ? `add the scheme: ${protocols.at(-1)}://${value}`
          : undefined;
      }
      if (!protocols.includes(url.protocol.slice(0, -1) as "http")) {
        return `use ${schemes}${protocols.length === 1 ? `, e.g. ${protocols[0]}://${url.host}` : ""}`;
      }
      if (url.username || url.password) {
        return "remove the user and password; strata reads secrets from the environment";
      }
      if (originOnly) return `write just ${url.origin}`;
      return undefined;
    },
  };
}
