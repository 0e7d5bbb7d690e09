/**
 * Two Proxmox hosts of one PVE cluster through the CLI: layer 00 makes strata's user and tokens
 * once (the second host shares the user database and reuses them), layer 01 puts VMs on both
 * hosts (an image per host's local storage) and ends with every node Ready.
 */
import { assert, assertEquals } from "../testing.ts";
import { ROOT, strata, tempWorkdir } from "../cli/run.ts";

const PVE2 = `    - name: pve2
      api: https://10.0.0.11:8006
      ssh: { address: 10.0.0.11, port: 2222, user: root }
      storage: local-lvm
      imageStorage: local
      bridge: vmbr0
`;

Deno.test("two hosts of one PVE cluster: tokens made once and shared, VMs on both, every node Ready", async () => {
  const cwd = await tempWorkdir();
  let text = Deno.readTextFileSync(`${ROOT}examples/lab.yaml`);
  text = text.replace("\nnetwork:", `${PVE2}\nnetwork:`);
  // worker-2 moves to pve2
  const w2 = text.indexOf("name: worker-2");
  text = text.slice(0, w2) + text.slice(w2).replace("host: pve1", "host: pve2");
  await Deno.writeTextFile(`${cwd}/cluster.yaml`, text);
  const r = await strata(
    cwd,
    "bootstrap",
    "--lab",
    "--config",
    `${cwd}/cluster.yaml`,
    "--lab-trace",
    `${cwd}/t.jsonl`,
  );
  assertEquals(r.code, 0, r.stdout + r.stderr);
  assert(r.stdout.includes("pve2 shares its user database with pve1 (one PVE cluster)"), r.stdout);
  const trace = Deno.readTextFileSync(`${cwd}/t.jsonl`).trim().split("\n").map((l) => JSON.parse(l));
  const made = trace.filter((e) => e.system === "ssh" && /^pveum user (add|token add)\b/.test(e.path));
  assertEquals(made.length, 3, "the user and its two tokens, made once: " + JSON.stringify(made));
  const world = JSON.parse(Deno.readTextFileSync(`${cwd}/.strata/lab/world.json`));
  assertEquals(Object.keys(world.sections.proxmox.nodes.pve2.vms), ["1202"]);
  assert(r.stdout.includes("all 5 nodes Ready"), r.stdout);
  await Deno.remove(cwd, { recursive: true });
});
