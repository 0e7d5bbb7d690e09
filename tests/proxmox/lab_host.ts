/**
 * Test fixture: one emulated Proxmox host on loopback with layer 00's provisioner token (least
 * privilege), an auditor token, and an image server standing in for the Image Factory.
 */
import { createHash } from "node:crypto";
import { ScaledClock } from "../../lib/clock/clock.ts";
import { ProxmoxApi } from "../../lib/proxmox/api.ts";
import { ProxmoxClient, type ProxmoxClientOptions } from "../../lib/proxmox/client.ts";
import { type FaultConfig, Faults } from "../../lab/faults.ts";
import { PROFILES } from "../../lab/profile.ts";
import { runPveum } from "../../lab/proxmox/pveum.ts";
import { type ForeignVm, startProxmoxEmulator } from "../../lab/proxmox/server.ts";
import { seededRandom } from "../../lab/random.ts";
import { proxmoxWorld } from "../../lab/proxmox/access.ts";
import { TraceLog } from "../../lab/trace.ts";
import { LabWorld } from "../../lab/world.ts";
import { PROVISIONER_PRIVILEGES } from "../../layers/00-persistent-auth/proxmox.ts";

export const IMAGE = new TextEncoder().encode("talos nocloud raw image bytes for the lab");

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export interface LabHostOptions {
  faults?: FaultConfig;
  foreignVms?: ForeignVm[];
  world?: LabWorld;
  /** Extra privileges for the provisioner role (tests of code paths that need more). */
  extraPrivileges?: string[];
}

export async function labHost(options: LabHostOptions = {}) {
  const world = options.world ?? LabWorld.memory();
  const access = proxmoxWorld(world).access;
  const run = (args: string[]) => {
    const r = runPveum(access, args);
    if (r.code) throw new Error(r.stderr);
    return r.stdout;
  };
  const token = (user: string, id: string, role: string) => {
    if (!access.users[user]) run(["user", "add", user]);
    // a world opened again keeps its tokens
    const kept = access.users[user].tokens[id]?.secret;
    if (kept) return kept;
    const t = JSON.parse(run(["user", "token", "add", user, id, "--output-format", "json"]));
    run(["acl", "modify", "/", "--users", user, "--roles", role]);
    run(["acl", "modify", "/", "--tokens", `${user}!${id}`, "--roles", role]);
    return t.value as string;
  };
  if (!access.roles.Prov) {
    run([
      "role",
      "add",
      "Prov",
      "--privs",
      [...PROVISIONER_PRIVILEGES, ...(options.extraPrivileges ?? [])].join(","),
    ]);
    run(["role", "add", "Audit", "--privs", "VM.Audit,Sys.Audit,Datastore.Audit"]);
  }
  const prov = token("strata@pve", "prov", "Prov");
  const audit = token("auditor@pve", "audit", "Audit");
  const clock = new ScaledClock(200);
  const trace = new TraceLog();
  const started: [string, number, string | undefined, string | undefined][] = [];
  const emu = await startProxmoxEmulator({
    world,
    clock,
    profile: PROFILES.fast,
    random: seededRandom(1),
    trace,
    faults: options.faults ? new Faults({ seed: 3, ...options.faults }) : undefined,
    node: "pve1",
    address: "127.0.0.10",
    port: 0,
    onVmStarted: (...args) => started.push(args),
    foreignVms: options.foreignVms,
  });
  const image = Deno.serve(
    { hostname: "127.0.0.9", port: 0, onListen() {} },
    (req) =>
      new URL(req.url).pathname.endsWith("/missing.raw")
        ? new Response("no", { status: 404 })
        : new Response(IMAGE),
  );
  const clients: ProxmoxClient[] = [];
  const client = (overrides: Partial<ProxmoxClientOptions> = {}) => {
    const c = new ProxmoxClient({
      baseUrl: emu.url,
      tokenId: "strata@pve!prov",
      secret: prov,
      caPem: emu.caPem,
      clock,
      attempts: 1,
      ...overrides,
    });
    clients.push(c);
    return c;
  };
  const pve = client();
  return {
    world,
    clock,
    trace,
    emu,
    pve,
    api: new ProxmoxApi(pve),
    client,
    tokens: { prov, audit },
    started,
    imageUrl: (name = "talos-abc-v1.13.9-nocloud-amd64.raw") =>
      `http://127.0.0.9:${image.addr.port}/image/${name}`,
    async close() {
      for (const c of clients) c.close();
      await emu.close();
      await image.shutdown();
    },
  };
}

export type LabHost = Awaited<ReturnType<typeof labHost>>;
