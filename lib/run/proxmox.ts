/**
 * A Proxmox API client for a configured host, with a token and the root CA layer 00 stored:
 * the host's API URL for real, its loopback twin in the lab. `strata` is the infrastructure
 * layer's token; `csi` (the CSI driver's, with `Datastore.Allocate`) deletes leftover CSI volumes.
 */
import { labAddress } from "../../lab/address.ts";
import { StrataError } from "../errors.ts";
import type { Clock } from "../clock/clock.ts";
import { ProxmoxClient } from "../proxmox/client.ts";
import type { RunEnv } from "./env.ts";

export async function proxmoxClientFor(
  env: RunEnv,
  hostName: string,
  token: "strata" | "csi" = "strata",
): Promise<ProxmoxClient> {
  const secrets = await env.state.secret<{ tokens: Partial<Record<"strata" | "csi", string>> }>(
    `auth.proxmox-access.${hostName}`,
  );
  const ca = env.state.step(`auth.proxmox-ca.${hostName}`)?.output.caPem as string | undefined;
  if (!secrets?.tokens[token] || !ca) {
    throw new StrataError(
      `no Proxmox API token or root CA for ${hostName} in layer 00's state`,
      1,
      "run `deno task bootstrap --only=persistent-auth` first",
    );
  }
  return proxmoxClientWith(env, hostName, {
    token,
    secret: secrets.tokens[token],
    caPem: ca,
    clock: env.clock,
  });
}

/**
 * A client for a configured host's API with a given token secret and CA (layer 00 checks a token
 * before its secret is in state): the host's API URL, or its loopback twin in the lab.
 */
export function proxmoxClientWith(
  env: Pick<RunEnv, "config" | "lab">,
  hostName: string,
  auth: { token: string; secret: string; caPem: string; clock: Clock },
): ProxmoxClient {
  const host = env.config.proxmox.hosts.find((h) => h.name === hostName)!;
  const api = new URL(host.api);
  if (env.lab) api.hostname = labAddress(api.hostname);
  return new ProxmoxClient({
    baseUrl: api.origin,
    tokenId: `strata@pve!${auth.token}`,
    secret: auth.secret,
    caPem: auth.caPem,
    clock: auth.clock,
  });
}
