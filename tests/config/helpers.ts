/** Helpers for config tests: the lab example as a base, small edits of it, and its issues. */
import { ConfigError, type ConfigIssue, parseConfig } from "../../lib/config/mod.ts";
import type { LoadedConfig, LoadOptions } from "../../lib/config/mod.ts";
import { assert } from "../testing.ts";

export const EXAMPLES = new URL("../../examples/", import.meta.url);

/** The text of `examples/<name>`. */
export function exampleText(name = "lab.yaml"): string {
  return Deno.readTextFileSync(new URL(name, EXAMPLES));
}

/** `text` with each `[from, to]` replaced once; fails when `from` is not there. */
export function edit(text: string, ...edits: [string, string][]): string {
  for (const [from, to] of edits) {
    assert(text.includes(from), `the text has no ${JSON.stringify(from)}`);
    text = text.replace(from, to);
  }
  return text;
}

/** Parses the lab example with `edits` applied. */
export function parseEdited(edits: [string, string][], options: LoadOptions = {}): LoadedConfig {
  return parseConfig(edit(exampleText(), ...edits), "cluster.yaml", options);
}

/** The issues of a config that must be rejected. */
export function issuesOf(text: string, options: LoadOptions = {}): ConfigIssue[] {
  try {
    parseConfig(text, "cluster.yaml", options);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error("the config was accepted");
}

/** The issues of the lab example with `edits` applied (it must be rejected). */
export function issuesOfEdited(edits: [string, string][], options: LoadOptions = {}): ConfigIssue[] {
  return issuesOf(edit(exampleText(), ...edits), options);
}

/** `path: message` lines, for readable assertion failures. */
export function describe(issues: ConfigIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ""}`).join("\n");
}

/** The least a config must say. */
export const MINIMAL = `
cluster: { name: homelab }
proxmox:
  hosts: [{ name: pve1, api: "https://10.0.0.10:8006" }]
network:
  subnets: [{ cidr: 10.0.0.0/16, gateway: 10.0.0.1 }]
  vip: 10.0.3.10
nodes:
  - { name: cp-1, role: controlplane, host: pve1, vmid: 1101, memory: 4GiB, disk: 32GiB, ip: 10.0.1.11 }
  - { name: worker-1, role: worker, host: pve1, vmid: 1201, memory: 4GiB, disk: 32GiB, ip: 10.0.2.21 }
`;
