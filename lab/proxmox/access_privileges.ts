/**
 * PVE 9's privileges and built-in roles, as pve-access-control (9.1) defines them in
 * `PVE::AccessControl`: `$privgroups` splits each category's privileges into root/admin/user/audit
 * groups, `create_roles` derives the built-in ("special") roles from them, and `Permissions.Modify`
 * is the one privilege outside every group. PVE 9 dropped `VM.Monitor` and added the
 * `VM.GuestAgent.*` privileges and `VM.Replicate`.
 *
 * @example
 * ```ts
 * PRIVILEGES.includes("VM.Allocate"); // true
 * BUILTIN_ROLES.PVEVMUser;            // ["VM.Audit", "VM.Backup", "VM.Config.CDROM", …]
 * ```
 */

interface PrivilegeGroup {
  root: string[];
  admin: string[];
  user: string[];
  audit: string[];
}

/** `$privgroups`, category by category, in PVE's order. */
export const PRIVILEGE_GROUPS: Record<string, PrivilegeGroup> = {
  VM: {
    root: [],
    admin: [
      "VM.Config.Disk",
      "VM.Config.CPU",
      "VM.Config.Memory",
      "VM.Config.Network",
      "VM.Config.HWType",
      "VM.Config.Options",
      "VM.Allocate",
      "VM.Clone",
      "VM.GuestAgent.Unrestricted",
      "VM.Migrate",
      "VM.Replicate",
      "VM.Snapshot",
      "VM.Snapshot.Rollback",
    ],
    user: [
      "VM.Config.CDROM",
      "VM.Config.Cloudinit",
      "VM.Console",
      "VM.Backup",
      "VM.GuestAgent.FileRead",
      "VM.GuestAgent.FileSystemMgmt",
      "VM.GuestAgent.FileWrite",
      "VM.PowerMgmt",
    ],
    audit: ["VM.Audit", "VM.GuestAgent.Audit"],
  },
  Sys: {
    root: ["Sys.PowerMgmt", "Sys.Modify", "Sys.Incoming", "Sys.AccessNetwork"],
    admin: ["Sys.Console", "Sys.Syslog"],
    user: [],
    audit: ["Sys.Audit"],
  },
  Datastore: {
    root: [],
    admin: ["Datastore.Allocate", "Datastore.AllocateTemplate"],
    user: ["Datastore.AllocateSpace"],
    audit: ["Datastore.Audit"],
  },
  SDN: { root: [], admin: ["SDN.Allocate", "SDN.Audit"], user: ["SDN.Use"], audit: ["SDN.Audit"] },
  User: {
    root: ["Realm.Allocate"],
    admin: ["User.Modify", "Group.Allocate", "Realm.AllocateUser"],
    user: [],
    audit: [],
  },
  Pool: { root: [], admin: ["Pool.Allocate"], user: ["Pool.Audit"], audit: ["Pool.Audit"] },
  Mapping: { root: [], admin: ["Mapping.Modify"], user: ["Mapping.Use"], audit: ["Mapping.Audit"] },
};

/** Every valid privilege name (`$valid_privs`), sorted. */
export const PRIVILEGES: readonly string[] = [
  ...new Set([
    "Permissions.Modify",
    ...Object.values(PRIVILEGE_GROUPS).flatMap((g) => [...g.root, ...g.admin, ...g.user, ...g.audit]),
  ]),
].sort();

const VALID = new Set(PRIVILEGES);

/** True for a privilege name PVE accepts (`verify_privname`). */
export function isPrivilege(name: string): boolean {
  return VALID.has(name);
}

/** The built-in roles (`create_roles`), each with its sorted privileges. They cannot be changed. */
export const BUILTIN_ROLES: Readonly<Record<string, readonly string[]>> = (() => {
  const roles: Record<string, Set<string>> = { NoAccess: new Set(), Administrator: new Set(PRIVILEGES) };
  const add = (role: string, privs: string[]) => {
    roles[role] ??= new Set();
    for (const p of privs) roles[role].add(p);
  };
  for (const [cat, g] of Object.entries(PRIVILEGE_GROUPS)) {
    add(`PVE${cat}Admin`, [...g.admin, ...g.user, ...g.audit]);
    add("PVEAdmin", [...g.admin, ...g.user, ...g.audit]);
    if (g.user.length) add(`PVE${cat}User`, [...g.user, ...g.audit]);
    add("PVEAuditor", g.audit);
  }
  // only Administrator, root@pam and PVEMappingAdmin may modify mappings
  roles.PVEAdmin.delete("Mapping.Modify");
  roles.PVETemplateUser = new Set(["VM.Clone", "VM.Audit"]);
  return Object.fromEntries(Object.entries(roles).map(([name, privs]) => [name, [...privs].sort()]));
})();
