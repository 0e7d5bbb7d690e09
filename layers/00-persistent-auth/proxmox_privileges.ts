/**
 * What layer 00 grants on each Proxmox host: one user, two least-privilege roles and two
 * privilege-separated API tokens. docs/proxmox-privileges.md justifies every privilege by the API
 * calls that check it; a test keeps the two equal.
 *
 * @example
 * ```ts
 * PROVISIONER_PRIVILEGES.includes("VM.Allocate"); // true
 * tokenId("csi");                                  // "strata@pve!csi"
 * ```
 */

export const STRATA_USER = "strata@pve";

/** Marks the user as strata's (destroy removes a user only if strata created it). */
export const STRATA_USER_COMMENT = "strata: Kubernetes cluster provisioning (managed by strata)";

/** Every privilege the infrastructure layer (01) needs, and nothing else. */
export const PROVISIONER_PRIVILEGES = [
  "Datastore.AllocateSpace",
  "Datastore.AllocateTemplate",
  "Datastore.Audit",
  "SDN.Use",
  "Sys.AccessNetwork",
  "Sys.Audit",
  "VM.Allocate",
  "VM.Audit",
  "VM.Config.CPU",
  "VM.Config.Disk",
  "VM.Config.HWType",
  "VM.Config.Memory",
  "VM.Config.Network",
  "VM.Config.Options",
  "VM.PowerMgmt",
] as const;

/** What the Proxmox CSI plugin documents for its role: find VMs, create/attach/resize/delete volumes. */
export const CSI_PRIVILEGES = [
  "Datastore.Allocate",
  "Datastore.AllocateSpace",
  "Datastore.Audit",
  "VM.Audit",
  "VM.Config.Disk",
] as const;

export const ROLES: Record<string, readonly string[]> = {
  StrataProvisioner: PROVISIONER_PRIVILEGES,
  StrataCSI: CSI_PRIVILEGES,
};

/** The API tokens (of {@link STRATA_USER}) and the role each one gets. */
export const TOKENS = { strata: "StrataProvisioner", csi: "StrataCSI" } as const;
export type TokenName = keyof typeof TOKENS;

/** Where the roles are granted (propagated). */
export const ACL_PATH = "/";

export function tokenId(token: TokenName): string {
  return `${STRATA_USER}!${token}`;
}

/** The ACL entries layer 00 keeps: the user holds both roles, each token its own. */
export function desiredAcl(): { type: "user" | "token"; ugid: string; roleid: string }[] {
  return [
    ...Object.keys(ROLES).map((roleid) => ({ type: "user" as const, ugid: STRATA_USER, roleid })),
    ...(Object.entries(TOKENS) as [TokenName, string][]).map(([t, roleid]) => ({
      type: "token" as const,
      ugid: tokenId(t),
      roleid,
    })),
  ];
}
