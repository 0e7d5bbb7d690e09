/**
 * A node's network as Talos v1.13 multi-document config (the legacy `machine.network` is deprecated
 * and absent from the v1.13 schema):
 *
 * - `LinkAliasConfig` `net0`: the NIC, selected by its permanent MAC (`mac(link.permanent_addr) ==
 *   "bc:24:11:…"`) or a given CEL expression — never by a guessed interface name;
 * - `LinkConfig` `net0`: static address, default route via the gateway, MTU. A link with explicit
 *   config gets no DHCP, and any link config document stops Talos' default DHCP on other links
 *   (siderolabs/talos `container.RunDefaultDHCPOperators`), so no second address appears;
 * - with a guest VLAN: `LinkConfig` `net0` carries only the MTU and a `VLANConfig` `net0.<id>` the
 *   address and route;
 * - `Layer2VIPConfig` on control planes: the Kubernetes API VIP on that link;
 * - `ResolverConfig`: the nameservers.
 *
 * @example
 * ```ts
 * networkDocuments({ role: "controlplane", ip: "10.0.1.11", prefix: 16, gateway: "10.0.0.1",
 *   mac: "BC:24:11:00:01:11", nameservers: ["10.0.0.1"], vip: "10.0.3.10", mtu: 1500 });
 * ```
 */
import type { Role } from "./types.ts";

/** The alias strata gives the cluster NIC. */
export const LINK_ALIAS = "net0";

export interface NetworkInput {
  role: Role;
  ip: string;
  prefix: number;
  gateway: string;
  mac?: string;
  linkSelector?: string;
  nameservers: string[];
  vip: string;
  mtu: number;
  vlan?: number;
}

/** The CEL expression selecting a NIC by MAC, as Talos documents it (lower-case, colon-separated). */
export function macSelector(mac: string): string {
  return `mac(link.permanent_addr) == "${mac.toLowerCase().replaceAll("-", ":")}"`;
}

export function networkDocuments(input: NetworkInput): Record<string, unknown>[] {
  const match = input.linkSelector ?? (input.mac ? macSelector(input.mac) : undefined);
  if (!match) throw new Error("a MAC address or link selector is needed to find the NIC");
  const address = [{ address: `${input.ip}/${input.prefix}` }];
  const routes = [{ gateway: input.gateway }];
  const docs: Record<string, unknown>[] = [
    { apiVersion: "v1alpha1", kind: "LinkAliasConfig", name: LINK_ALIAS, selector: { match } },
  ];
  let link = LINK_ALIAS;
  if (input.vlan === undefined) {
    docs.push({
      apiVersion: "v1alpha1",
      kind: "LinkConfig",
      name: LINK_ALIAS,
      mtu: input.mtu,
      addresses: address,
      routes,
    });
  } else {
    link = `${LINK_ALIAS}.${input.vlan}`;
    docs.push(
      { apiVersion: "v1alpha1", kind: "LinkConfig", name: LINK_ALIAS, mtu: input.mtu },
      {
        apiVersion: "v1alpha1",
        kind: "VLANConfig",
        name: link,
        vlanID: input.vlan,
        parent: LINK_ALIAS,
        mtu: input.mtu,
        addresses: address,
        routes,
      },
    );
  }
  if (input.role === "controlplane") {
    docs.push({ apiVersion: "v1alpha1", kind: "Layer2VIPConfig", name: input.vip, link });
  }
  docs.push({
    apiVersion: "v1alpha1",
    kind: "ResolverConfig",
    nameservers: input.nameservers.map((address) => ({ address })),
  });
  return docs;
}
