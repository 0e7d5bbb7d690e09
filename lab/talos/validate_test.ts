/**
 * The emulator's config check against the official schema (shared/specs/talos/config.schema.v1.13.9.json):
 * our model lists exactly the schema's keys with the same types and enums; strata's generated configs
 * pass; a table of broken configs is refused with Talos' words, and wherever the schema can say it
 * too, ajv refuses them as well (and accepts what only Talos' Validate() rejects).
 */
import assert from "node:assert/strict";
import Ajv2020 from "ajv/dist/2020.js";
import { parse, stringify } from "yaml";
import { generateClusterConfigs } from "../../lib/talos/machineconfig/mod.ts";
import { cluster, nodes } from "../../tests/talos/helpers.ts";
import {
  DECODER_ONLY,
  DOCUMENT_KINDS,
  type ObjShape,
  OPAQUE_KINDS,
  type Shape,
  V1ALPHA1,
} from "./config_model.ts";
import { multierror, validateMachineConfig } from "./validate.ts";

const SCHEMA_URL = new URL("../../../shared/specs/talos/config.schema.v1.13.9.json", import.meta.url);
// deno-lint-ignore no-explicit-any
type Json = any;
const schema: Json = JSON.parse(await Deno.readTextFile(SCHEMA_URL));
// deno-lint-ignore no-explicit-any
const ajv = new (Ajv2020 as any)({ strict: false, allErrors: true, validateFormats: false });
const ajvValidate = ajv.compile(schema);

function resolve(node: Json): { node: Json; def?: string } {
  if (node?.$ref) {
    const def = node.$ref.replace("#/$defs/", "");
    return { node: schema.$defs[def], def };
  }
  return { node };
}

/** Walks our shape beside the schema node; returns the disagreements. */
function compare(shape: Shape, schemaNode: Json, path: string, out: string[]): void {
  const { node: s, def } = resolve(schemaNode);
  if (!s) return void out.push(`${path}: not in the schema`);
  switch (shape.t) {
    case "obj": {
      if (def) {
        if (def !== shape.def) out.push(`${path}: model says ${shape.def}, schema $ref ${def}`);
      } else if (!shape.def.startsWith("inline:")) {
        out.push(`${path}: schema has an inline object, model ${shape.def}`);
      }
      if (s.type !== "object" || !s.properties) {
        return void out.push(`${path}: schema is not an object with properties`);
      }
      if (s.additionalProperties !== false) out.push(`${path}: schema allows additional properties`);
      const ours = Object.keys(shape.props).sort();
      const theirs = Object.keys(s.properties).sort();
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
        out.push(`${path}: keys differ: model ${ours.join(",")} / schema ${theirs.join(",")}`);
      }
      const req = [...(shape.required ?? [])].sort();
      if (JSON.stringify(req) !== JSON.stringify([...(s.required ?? [])].sort())) {
        out.push(`${path}: required differs: model ${req} / schema ${s.required ?? []}`);
      }
      for (const [k, v] of Object.entries(shape.props)) {
        if (s.properties[k]) compare(v, s.properties[k], `${path}.${k}`, out);
      }
      return;
    }
    case "string":
      if (s.type !== "string") out.push(`${path}: schema type ${s.type}, model string`);
      if ((s.pattern ?? undefined) !== shape.pattern) {
        out.push(`${path}: pattern ${s.pattern} vs ${shape.pattern}`);
      }
      return;
    case "int":
      if (s.type !== "integer") out.push(`${path}: schema type ${s.type}, model int`);
      return;
    case "bool":
      if (s.type !== "boolean") out.push(`${path}: schema type ${s.type}, model bool`);
      return;
    case "enum":
      if (JSON.stringify([...s.enum ?? []].sort()) !== JSON.stringify([...shape.values].sort())) {
        out.push(`${path}: enum ${JSON.stringify(s.enum)} vs ${JSON.stringify(shape.values)}`);
      }
      return;
    case "list":
      if (s.type !== "array") return void out.push(`${path}: schema type ${s.type}, model list`);
      return compare(shape.of, s.items, `${path}[]`, out);
    case "map": {
      const inner = s.patternProperties?.[".*"];
      if (s.type !== "object" || !inner) return void out.push(`${path}: schema is not a map`);
      return compare(shape.of, inner, `${path}{}`, out);
    }
    case "args": {
      const alts = s.additionalProperties?.oneOf ?? [];
      const ok = s.type === "object" && alts.some((a: Json) => a.type === "string") &&
        alts.some((a: Json) => a.type === "array" && a.items?.type === "string");
      if (!ok) out.push(`${path}: schema is not a map of strings or string lists`);
      return;
    }
    case "anyObject":
      if (s.type !== "object" || Object.keys(s.properties ?? {}).length) {
        out.push(`${path}: schema is not a free-form object`);
      }
      return;
  }
}

Deno.test("the model lists exactly the schema's keys, types, enums, patterns and required fields", () => {
  const out: string[] = [];
  compare(V1ALPHA1, { $ref: "#/$defs/v1alpha1.Config" }, "v1alpha1", out);
  for (const [kind, shape] of Object.entries(DOCUMENT_KINDS)) {
    compare(shape, { $ref: `#/$defs/${shape.def}` }, kind, out);
  }
  assert.deepEqual(out, []);
});

Deno.test("every document kind of the schema is known, modeled or opaque, and nothing else", () => {
  const kinds = schema.oneOf.map((r: Json) => resolve(r).node).filter((d: Json) => d.properties?.kind)
    .map((d: Json) => d.properties.kind.enum[0]).sort();
  assert.deepEqual(kinds, [...Object.keys(DOCUMENT_KINDS), ...OPAQUE_KINDS].sort());
});

Deno.test("keys accepted beyond the schema are exactly the documented decoder-only ones", () => {
  for (const [def, keys] of Object.entries(DECODER_ONLY)) {
    for (const key of Object.keys(keys)) {
      assert.equal(schema.$defs[def].properties[key], undefined, `${def}.${key}`);
    }
  }
  assert.deepEqual(Object.keys(DECODER_ONLY), ["v1alpha1.Config"]);
});

const maintenance = { requiresInstall: true, talosVersion: "v1.13.9" };

function ajvAccepts(yaml: string): boolean {
  return yaml.split(/^---$/m).map((d) => parse(d)).filter((d) => d).every((d) => ajvValidate(d));
}

Deno.test("strata's generated configs for control planes and workers pass, and ajv agrees", () => {
  for (const config of generateClusterConfigs(cluster(), nodes())) {
    const result = validateMachineConfig(config.yaml, maintenance);
    assert.ok(result.ok, `${config.node}: ${!result.ok && result.message}`);
    assert.ok(ajvAccepts(config.yaml), config.node);
    assert.equal(result.config.v1alpha1?.machine.type, config.role);
    assert.deepEqual(
      result.config.documents.map((d) => d.kind),
      config.documents.map((d) => d.kind ?? "v1alpha1"),
    );
  }
});

Deno.test("the upstream v1.13 example: persist is accepted, its Kubernetes 1.28 and missing install disk are not", async () => {
  const text = await Deno.readTextFile(
    new URL("../../../shared/specs/talos/examples/stability-v1.13-base-controlplane.yaml", import.meta.url),
  );
  const r1 = validateMachineConfig(text, maintenance);
  assert.ok(!r1.ok);
  assert.equal(
    r1.message,
    multierror([`v1alpha1.Config: ${multierror(["either install disk or diskSelector should be defined"])}`]),
  );
  const r2 = validateMachineConfig(text, { requiresInstall: false });
  assert.ok(!r2.ok);
  assert.match(
    r2.message,
    /kubelet image is not valid: version of Kubernetes 1\.28\.0 is too old to be used with Talos 1\.13\.9/,
  );
  assert.match(r2.message, /kube-apiserver image is not valid/);
  const modern = text.replaceAll("v1.28.0", "v1.33.4");
  const r3 = validateMachineConfig(modern, { requiresInstall: false });
  assert.ok(r3.ok, !r3.ok ? r3.message : "");
});

type Mutation = {
  name: string;
  /** Changes the control plane's documents (index 0 is v1alpha1). */
  edit: (docs: Json[]) => void;
  message: RegExp;
  /** What the schema says about it: strata's model must refuse all of these; ajv only the schema ones. */
  schema: "rejects" | "accepts";
  /** Check a worker's config instead. */
  worker?: boolean;
};

const MUTATIONS: Mutation[] = [
  {
    name: "unknown key under machine.install",
    edit: (d) => d[0].machine.install.bogus = true,
    message:
      /^error decoding document \/v1alpha1\/ \(line 1\): unknown keys found during decoding:\nmachine:\n {4}install:\n {8}bogus: true\n$/,
    schema: "rejects",
  },
  {
    name: "deprecated machine.network (not in the v1.13 schema)",
    edit: (d) => d[0].machine.network = { hostname: "x" },
    message: /unknown keys found during decoding:\nmachine:\n {4}network:\n {8}hostname: x/,
    schema: "rejects",
  },
  {
    name: "string where a bool belongs",
    edit: (d) => d[0].machine.install.wipe = "maybe",
    message:
      /error decoding {2}to \*v1alpha1\.Config: yaml: unmarshal errors:\n {2}line \d+: cannot unmarshal !!str `maybe` into bool/,
    schema: "rejects",
  },
  {
    name: "mapping where a list belongs",
    edit: (d) => d[0].machine.certSANs = { a: 1 },
    message: /cannot unmarshal !!map into \[\]string/,
    schema: "rejects",
  },
  {
    name: "kubePrism port as text",
    edit: (d) => d[0].machine.features.kubePrism.port = "7445x",
    message: /cannot unmarshal !!str `7445x` into int/,
    schema: "rejects",
  },
  {
    name: "unknown machine type",
    edit: (d) => d[0].machine.type = "master",
    message: /v1alpha1\.Config: .*unknown machine type "master"/s,
    schema: "rejects",
  },
  {
    name: "control plane endpoint not https",
    edit: (d) => d[0].cluster.controlPlane.endpoint = "http://10.0.3.10:6443",
    message: /cluster\.controlPlane\.endpoint: "http:\/\/10\.0\.3\.10:6443" does not match \^https:\/\//,
    schema: "rejects",
  },
  {
    name: "control plane endpoint port out of range",
    edit: (d) => d[0].cluster.controlPlane.endpoint = "https://10.0.3.10:99999",
    message: /invalid controlplane endpoint/,
    schema: "accepts",
  },
  {
    name: "control plane endpoint missing",
    edit: (d) => delete d[0].cluster.controlPlane,
    message: /cluster controlplane endpoint is required/,
    schema: "accepts",
  },
  {
    name: "no install disk in maintenance mode",
    edit: (d) => delete d[0].machine.install.disk,
    message: /either install disk or diskSelector should be defined/,
    schema: "accepts",
  },
  {
    name: "install disk selector with an unknown type",
    edit: (d) => {
      delete d[0].machine.install.disk;
      d[0].machine.install.diskSelector = { type: "floppy" };
    },
    message:
      /machine\.install\.diskSelector\.type: invalid value "floppy": must be one of ssd, hdd, nvme, sd/,
    schema: "rejects",
  },
  {
    name: "no machine CA",
    edit: (d) => delete d[0].machine.ca,
    message:
      /issuing CA or some accepted CAs are required \(\.machine\.ca, machine\.acceptedCAs\).*issuing CA is required \(\.machine\.ca\)/s,
    schema: "accepts",
  },
  {
    name: "control plane without the CA key",
    edit: (d) => delete d[0].machine.ca.key,
    message: /issuing CA key is required for controlplane nodes \(\.machine\.ca\.key\)/,
    schema: "accepts",
  },
  {
    name: "worker with the Talos CA key",
    worker: true,
    edit: (d) => d[0].machine.ca.key = "a2V5",
    message: /issuing Talos API CA key is not allowed on non-controlplane nodes \(\.machine\.ca\)/,
    schema: "accepts",
  },
  {
    name: "unknown CNI",
    edit: (d) => d[0].cluster.network.cni = { name: "calico" },
    message: /cni name should be one of \["flannel", "custom", "none"\]/,
    schema: "rejects",
  },
  {
    name: "CNI none with URLs",
    edit: (d) => d[0].cluster.network.cni = { name: "none", urls: ["https://x/y.yaml"] },
    message: /"urls" field should be empty for "none" CNI/,
    schema: "accepts",
  },
  {
    name: "hostDNS forwarding without hostDNS",
    edit: (d) => d[0].machine.features.hostDNS.enabled = false,
    message: /feature hostDNS\.forwardKubeDNSToHost requires hostDNS\.enabled to be true/,
    schema: "accepts",
  },
  {
    name: "invalid node label",
    edit: (d) => d[0].machine.nodeLabels = { "bad key!": "x" },
    message: /invalid machine node labels: 1 error occurred:\n\t\* name "bad key!" is invalid/,
    schema: "accepts",
  },
  {
    name: "invalid taint effect",
    edit: (d) => d[0].machine.nodeTaints = { dedicated: "x:Sometimes" },
    message: /invalid taint effect: "Sometimes"/,
    schema: "accepts",
  },
  {
    name: "invalid cluster DNS domain",
    edit: (d) => d[0].cluster.network.dnsDomain = "bad domain",
    message: /"bad domain" is not a valid DNS name/,
    schema: "accepts",
  },
  {
    name: "persist false",
    edit: (d) => d[0].persist = false,
    message: /\.persist should be enabled/,
    schema: "rejects",
  },
  {
    name: "Kubernetes too new for Talos 1.13",
    edit: (d) => d[0].machine.kubelet.image = "ghcr.io/siderolabs/kubelet:v1.40.0",
    message:
      /kubelet image is not valid: version of Kubernetes 1\.40\.0 is too new to be used with Talos 1\.13\.9/,
    schema: "accepts",
  },
  {
    name: "link address without prefix length",
    edit: (d) => d.find((x) => x.kind === "LinkConfig").addresses[0].address = "10.0.1.11",
    message: /netip\.ParsePrefix\("10\.0\.1\.11"\): no '\/'/,
    schema: "rejects",
  },
  {
    name: "VIP that is not an IP",
    edit: (d) => d.find((x) => x.kind === "Layer2VIPConfig").name = "vip.example",
    message: /Layer2VIPConfig\/vip\.example: name must be a valid IP address/,
    schema: "accepts",
  },
  {
    name: "hostname and auto together",
    edit: (d) => d.find((x) => x.kind === "HostnameConfig").auto = "stable",
    message: /HostnameConfig: 'auto' and 'hostname' cannot be set at the same time/,
    schema: "accepts",
  },
  {
    name: "link alias without selector",
    edit: (d) => delete d.find((x) => x.kind === "LinkAliasConfig").selector,
    message: /LinkAliasConfig\/net0: link selector is required/,
    schema: "accepts",
  },
  {
    name: "unregistered document kind",
    edit: (d) => d.push({ apiVersion: "v1alpha1", kind: "FooConfig" }),
    message:
      /error decoding document v1alpha1\/FooConfig\/ \(line \d+\): "FooConfig" "v1alpha1": not registered/,
    schema: "rejects",
  },
  {
    name: "document without kind",
    edit: (d) => d.push({ apiVersion: "v1alpha2", name: "x" }),
    message: /error decoding document v1alpha2\/v1alpha1\/x \(line \d+\): missing kind/,
    schema: "rejects",
  },
  {
    name: "document without apiVersion",
    edit: (d) => d.push({ kind: "LinkConfig", name: "eth9" }),
    message: /error decoding document \/LinkConfig\/eth9 \(line \d+\): missing apiVersion/,
    schema: "rejects",
  },
  {
    name: "apiVersion v1alpha1 without kind is a (broken) v1alpha1.Config, as Talos reads it",
    edit: (d) => d.push({ apiVersion: "v1alpha1", name: "x" }),
    message:
      /v1alpha1\/v1alpha1\/x \(line \d+\): unknown keys found during decoding:\napiVersion: v1alpha1\nname: x\n/,
    schema: "rejects",
  },
  {
    name: "the same document twice",
    edit: (d) => d.push({ ...d.find((x) => x.kind === "LinkConfig") }),
    message: /duplicate document v1alpha1\/LinkConfig\/net0 is not allowed/,
    schema: "accepts", // each document alone is valid
  },
];

for (const m of MUTATIONS) {
  Deno.test(`refused: ${m.name}`, () => {
    const configs = generateClusterConfigs(cluster(), nodes());
    const config = m.worker ? configs.find((c) => c.role === "worker")! : configs[0];
    const docs = structuredClone(config.documents) as Json[];
    m.edit(docs);
    const yaml = docs.map((d) => stringify(d, { indent: 4 })).join("---\n");
    const result = validateMachineConfig(yaml, maintenance);
    assert.ok(!result.ok, "the emulator accepted it");
    assert.match(result.message, m.message);
    assert.equal(ajvAccepts(yaml) ? "accepts" : "rejects", m.schema, "the schema's verdict");
  });
}

Deno.test("YAML syntax errors, empty input and non-mapping documents", () => {
  const bad = validateMachineConfig("machine: [\n", maintenance);
  assert.ok(!bad.ok && /^decode error: yaml: line \d+: /.test(bad.message));
  const empty = validateMachineConfig("", maintenance);
  assert.ok(!empty.ok && empty.message === "config not found");
  const list = validateMachineConfig("- a\n- b\n", maintenance);
  assert.ok(!list.ok && list.message === "expected a YAML document at line 1");
});

Deno.test("multierror text is hashicorp's: one error, several errors", () => {
  assert.equal(multierror(["a"]), "1 error occurred:\n\t* a\n\n");
  assert.equal(multierror(["a", "b"]), "2 errors occurred:\n\t* a\n\t* b\n\n");
  assert.ok((V1ALPHA1.props.machine as ObjShape).props.install);
});
