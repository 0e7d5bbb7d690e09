/**
 * Two Proxmox hosts of one PVE cluster through the CLI: layer 00 makes strata's user and tokens
 * once (the second host shares the user database and reuses them), layer 01 downloads the Talos
 * image once onto the storage both hosts share, puts VMs on both hosts and ends with every node Ready.
 */
import { assert, assertEquals } from "../testing.ts";
import { ROOT, strata, tempWorkdir } from "../cli/run.ts";

const PVE2 = `    - name: pve2
      api: https://10.0.0.11:8006
      ssh: { address: 10.0.0.11, port: 2222, user: root }
      storage: local-lvm
      imageStorage: images
      bridge: vmbr0
`;

Deno.test("two hosts of one PVE cluster: tokens made once, the image downloaded once to shared storage, VMs on both, every node Ready", async () => {
  const cwd = await tempWorkdir();
  let text = Deno.readTextFileSync(`${ROOT}examples/lab.yaml`);
  text = text.replace("\nnetwork:", `${PVE2}\nnetwork:`);
  // both hosts take the image from one NFS storage; worker-2 moves to pve2
  text = text.replace("imageStorage: local", "imageStorage: images");
  text = text.replace("\nlab:\n", "\nlab:\n  sharedStorages:\n    - { id: images, type: nfs }\n");
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
  const downloads = trace.filter((e) => e.system === "proxmox" && e.path.endsWith("/download-url"));
  assertEquals(downloads.map((e) => e.path), ["/api2/json/nodes/pve1/storage/images/download-url"]);
  const world = JSON.parse(Deno.readTextFileSync(`${cwd}/.strata/lab/world.json`));
  assertEquals(Object.keys(world.sections.proxmox.nodes.pve2.vms), ["1202"]);
  assert(r.stdout.includes("all 5 nodes Ready"), r.stdout);
  await Deno.remove(cwd, { recursive: true });
});
