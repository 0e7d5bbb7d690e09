/**
 * Writes `api_model.ts` from the official schema (`../shared/specs/proxmox/apidata.js`): for each
 * endpoint the emulator serves, the validation-relevant fields of the parameters it models, the
 * names of those it does not, index ranges, permissions and proxy target. Run it when the spec or
 * the selection below changes; `api_model_test.ts` keeps the result and the spec in step.
 *
 * @example
 * ```sh
 * deno run -A lab/proxmox/api_model_gen.ts > lab/proxmox/api_model.ts && deno fmt lab/proxmox/api_model.ts
 * ```
 */
import { loadApiSchema, projectParam } from "./api_spec.ts";

/** Parameters of a VM config the emulator implements (create, update). */
const VM_KEYS = [
  "acpi",
  "agent",
  "balloon",
  "bios",
  "boot",
  "citype",
  "ciuser",
  "cores",
  "cpu",
  "description",
  "ide[n]",
  "ipconfig[n]",
  "kvm",
  "machine",
  "memory",
  "name",
  "nameserver",
  "net[n]",
  "numa",
  "onboot",
  "ostype",
  "protection",
  "sata[n]",
  "scsi[n]",
  "scsihw",
  "searchdomain",
  "serial[n]",
  "sockets",
  "sshkeys",
  "tablet",
  "tags",
  "virtio[n]",
];

/** Endpoint → the parameters modeled ("all", or a list; the rest are listed as unmodeled). */
export const SELECTION: Record<string, "all" | string[]> = {
  "GET /version": "all",
  "GET /nodes": "all",
  "GET /nodes/{node}/status": "all",
  "GET /cluster/resources": "all",
  "GET /cluster/nextid": "all",
  "GET /access/permissions": "all",
  "GET /nodes/{node}/network": "all",
  "GET /nodes/{node}/storage": "all",
  "GET /nodes/{node}/storage/{storage}/status": "all",
  "GET /nodes/{node}/storage/{storage}/content": "all",
  "DELETE /nodes/{node}/storage/{storage}/content/{volume}": "all",
  "POST /nodes/{node}/storage/{storage}/download-url": [
    "checksum",
    "checksum-algorithm",
    "content",
    "filename",
    "node",
    "storage",
    "url",
    "verify-certificates",
  ],
  "GET /nodes/{node}/qemu": "all",
  "POST /nodes/{node}/qemu": [...VM_KEYS, "node", "vmid", "start"],
  "GET /nodes/{node}/qemu/{vmid}/config": "all",
  "POST /nodes/{node}/qemu/{vmid}/config": [...VM_KEYS, "node", "vmid", "delete", "digest", "skiplock"],
  "PUT /nodes/{node}/qemu/{vmid}/config": [...VM_KEYS, "node", "vmid", "delete", "digest", "skiplock"],
  "PUT /nodes/{node}/qemu/{vmid}/resize": "all",
  "GET /nodes/{node}/qemu/{vmid}/status/current": "all",
  "POST /nodes/{node}/qemu/{vmid}/status/start": ["node", "vmid", "skiplock", "timeout"],
  "POST /nodes/{node}/qemu/{vmid}/status/stop": ["node", "vmid", "skiplock", "timeout", "keepActive"],
  "POST /nodes/{node}/qemu/{vmid}/status/shutdown": "all",
  "DELETE /nodes/{node}/qemu/{vmid}": "all",
  "GET /nodes/{node}/tasks/{upid}/status": "all",
  "GET /nodes/{node}/tasks/{upid}/log": ["limit", "node", "start", "upid"],
};

/** Index ranges not stated in the schema's descriptions (qemu-server: `$MAX_NETS = 32`). */
const INDEX_FALLBACK: Record<string, number> = { "net[n]": 32, "ipconfig[n]": 32 };

/** `(n is 0 to 30)` in a description → 31. */
export function indexRange(name: string, description: string | undefined): number {
  const m = /\(n is 0 to (\d+)\)/.exec(description ?? "");
  const count = m ? Number(m[1]) + 1 : INDEX_FALLBACK[name];
  if (!count) throw new Error(`no index range for ${name}`);
  return count;
}

function constName(param: string, taken: Map<string, string>, json: string): string {
  const base = param.replace(/\[n\]$/, "").replace(/[^a-zA-Z0-9]+/g, "_").toUpperCase() + "_FORMAT";
  for (let i = 1;; i++) {
    const name = i === 1 ? base : `${base}_${i}`;
    const owner = [...taken.entries()].find(([, n]) => n === name)?.[0];
    if (!owner) {
      taken.set(json, name);
      return name;
    }
    if (owner === json) return name;
  }
}

function generate(): string {
  const index = loadApiSchema();
  const constants = new Map<string, string>(); // format JSON → const name
  const endpoints: string[] = [];
  for (const [endpoint, pick] of Object.entries(SELECTION)) {
    const info = index.get(endpoint);
    if (!info) throw new Error(`${endpoint} is not in apidata.js`);
    const props = info.parameters?.properties ?? {};
    const names = Object.keys(props).sort();
    const modeled = pick === "all" ? names : names.filter((n) => pick.includes(n));
    const missing = pick === "all" ? [] : pick.filter((n) => !props[n]);
    if (missing.length) throw new Error(`${endpoint}: ${missing.join(", ")} not in apidata.js`);
    const lines: string[] = [];
    const indexed: Record<string, number> = {};
    for (const name of modeled) {
      const spec = projectParam(props[name]);
      if (name.endsWith("[n]")) indexed[name] = indexRange(name, props[name].description);
      let text = JSON.stringify(spec);
      if (spec.format && typeof spec.format === "object") {
        const json = JSON.stringify(spec.format);
        const c = constName(name, constants, json);
        text = JSON.stringify({ ...spec, format: "@@" }).replace('"@@"', c);
      }
      lines.push(`    ${JSON.stringify(name)}: ${text},`);
    }
    const unmodeled = names.filter((n) => !modeled.includes(n));
    const perm = info.permissions ?? {};
    const permissions = {
      ...(perm.check ? { check: perm.check } : {}),
      ...(perm.user ? { user: perm.user } : {}),
    };
    endpoints.push([
      `  ${JSON.stringify(endpoint)}: {`,
      `    name: ${JSON.stringify(info.name)},`,
      `    permissions: ${JSON.stringify(permissions)},`,
      ...(info.proxyto ? [`    proxyto: ${JSON.stringify(info.proxyto)},`] : []),
      ...(info.allowtoken ? [`    allowtoken: 1,`] : []),
      ...(Object.keys(indexed).length ? [`    indexed: ${JSON.stringify(indexed)},`] : []),
      ...(unmodeled.length ? [`    unmodeled: ${JSON.stringify(unmodeled)},`] : []),
      `    params: {`,
      ...lines.map((l) => "  " + l),
      `    },`,
      `  },`,
    ].join("\n"));
  }
  const consts = [...constants.entries()].map(([json, name]) =>
    `const ${name}: Record<string, ParamSpec> = ${json};`
  );
  return `${HEADER}\n${consts.join("\n\n")}\n\nexport const API_MODEL: Record<string, EndpointSpec> = {\n${
    endpoints.join("\n")
  }\n};\n`;
}

const HEADER = `/**
 * Our compact model of the Proxmox VE API endpoints strata uses (written by api_model_gen.ts from
 * the official schema, apidata.js; api_model_test.ts checks it field by field against the spec).
 * For each endpoint: the parameters the emulator validates exactly as PVE (type, optional, format,
 * pattern, enum, bounds, property-string keys), the names of the parameters PVE accepts but the
 * emulator does not implement (answered with 501, never silently accepted), index ranges of
 * \`scsi[n]\`-style parameters, and the permission check and proxy target PVE applies.
 */

/** One parameter (or property-string key) as PVE's JSONSchema sees it. */
export interface ParamSpec {
  type?: string;
  optional?: number;
  /** A named format (\`formats.ts\`) or the keys of a property string. */
  format?: string | Record<string, ParamSpec>;
  pattern?: string;
  enum?: (string | number)[] | null;
  minimum?: number | string;
  maximum?: number | string;
  maxLength?: number;
  minLength?: number;
  default_key?: number;
  alias?: string;
  keyAlias?: string;
  requires?: string;
}

export interface EndpointSpec {
  /** The handler name in apidata.js. */
  name: string;
  /** PVE's permission spec: a \`check\` expression and/or \`user: "all"\` (checked in code). */
  permissions: { check?: unknown[]; user?: string };
  /** "node": the request is served by (proxied to) the node in the path. */
  proxyto?: string;
  allowtoken?: number;
  /** How many of each indexed parameter exist (\`scsi[n]\` → scsi0…scsi30). */
  indexed?: Record<string, number>;
  /** Parameters PVE accepts that the emulator does not implement. */
  unmodeled?: string[];
  params: Record<string, ParamSpec>;
}
`;

if (import.meta.main) console.log(generate());
