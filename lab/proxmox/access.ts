/**
 * The emulated Proxmox access control: users, roles, ACLs and API tokens, kept in the lab
 * world's `proxmox.access` section. The same state backs the `pveum` emulator (over SSH) and the
 * API emulator's 401/403 decisions.
 *
 * Privilege names: every privilege `apidata.js` checks, plus those PVE checks in code rather than
 * in the schema (Permissions.Modify, SDN.Use, VM.Backup); a test keeps this list and the spec in step.
 */
export const PRIVILEGES = [
  "Datastore.Allocate",
  "Datastore.AllocateSpace",
  "Datastore.AllocateTemplate",
  "Datastore.Audit",
  "Group.Allocate",
  "Mapping.Audit",
  "Mapping.Modify",
  "Mapping.Use",
  "Permissions.Modify",
  "Pool.Allocate",
  "Pool.Audit",
  "Realm.Allocate",
  "Realm.AllocateUser",
  "SDN.Allocate",
  "SDN.Audit",
  "SDN.Use",
  "Sys.AccessNetwork",
  "Sys.Audit",
  "Sys.Console",
  "Sys.Incoming",
  "Sys.Modify",
  "Sys.PowerMgmt",
  "Sys.Syslog",
  "User.Modify",
  "VM.Allocate",
  "VM.Audit",
  "VM.Backup",
  "VM.Clone",
  "VM.Config.CDROM",
  "VM.Config.CPU",
  "VM.Config.Cloudinit",
  "VM.Config.Disk",
  "VM.Config.HWType",
  "VM.Config.Memory",
  "VM.Config.Network",
  "VM.Config.Options",
  "VM.Console",
  "VM.GuestAgent.Audit",
  "VM.GuestAgent.FileRead",
  "VM.GuestAgent.FileSystemMgmt",
  "VM.GuestAgent.FileWrite",
  "VM.GuestAgent.Unrestricted",
  "VM.Migrate",
  "VM.PowerMgmt",
  "VM.Snapshot",
  "VM.Snapshot.Rollback",
] as const;

/** Built-in roles that strata's tests rely on (special: not modifiable). */
export const BUILTIN_ROLES: Record<string, string[]> = {
  Administrator: [...PRIVILEGES],
  NoAccess: [],
  PVEAuditor: ["Datastore.Audit", "Mapping.Audit", "Pool.Audit", "SDN.Audit", "Sys.Audit", "VM.Audit"],
  PVEVMUser: [
    "VM.Audit",
    "VM.Backup",
    "VM.Config.CDROM",
    "VM.Config.Cloudinit",
    "VM.Console",
    "VM.PowerMgmt",
  ],
};

export interface AccessUser {
  enable: boolean;
  expire: number;
  comment?: string;
  tokens: Record<string, { secret: string; privsep: boolean; expire: number; comment?: string }>;
}

export interface AclEntry {
  path: string;
  type: "user" | "token" | "group";
  ugid: string;
  roleid: string;
  propagate: boolean;
}

export interface AccessState {
  users: Record<string, AccessUser>;
  roles: Record<string, string[]>;
  acl: AclEntry[];
}

export function emptyAccess(): AccessState {
  return { users: { "root@pam": { enable: true, expire: 0, comment: "", tokens: {} } }, roles: {}, acl: [] };
}

export function rolePrivileges(access: AccessState, roleid: string): string[] | undefined {
  return BUILTIN_ROLES[roleid] ?? access.roles[roleid];
}

/** `PVEAPIToken=USER@REALM!TOKENID=SECRET` (also a space after the key) → the token's authid. */
export function authenticateApiToken(access: AccessState, header: string | null): { authid: string } | null {
  const m = /^PVEAPIToken[= ]([^!\s]+)!([^=\s]+)=(\S+)$/.exec(header ?? "");
  if (!m) return null;
  const [, userid, tokenid, secret] = m;
  const user = access.users[userid];
  const token = user?.tokens[tokenid];
  const now = Date.now() / 1000;
  if (!user || !token || !user.enable || token.secret !== secret) return null;
  if ((user.expire && user.expire < now) || (token.expire && token.expire < now)) return null;
  return { authid: `${userid}!${tokenid}` };
}

/** Privileges an ACL subject holds on `path`: the most specific entry wins, propagated downwards. */
function aclPrivileges(access: AccessState, type: AclEntry["type"], ugid: string, path: string): Set<string> {
  const parts = path.split("/").filter(Boolean);
  let privs = new Set<string>();
  for (let depth = 0; depth <= parts.length; depth++) {
    const p = "/" + parts.slice(0, depth).join("/");
    const entries = access.acl.filter((a) => a.type === type && a.ugid === ugid && a.path === p);
    if (!entries.length) continue;
    const exact = depth === parts.length;
    const applying = entries.filter((a) => exact || a.propagate);
    if (!applying.length) continue;
    privs = new Set(applying.flatMap((a) => rolePrivileges(access, a.roleid) ?? []));
  }
  return privs;
}

/** What `authid` (user or `user!token`) may do on `path`, as PVE computes it. */
export function effectivePrivileges(access: AccessState, authid: string, path: string): Set<string> {
  const [userid, tokenid] = authid.split("!");
  if (userid === "root@pam") {
    if (!tokenid) return new Set(PRIVILEGES);
  }
  const user = userid === "root@pam"
    ? new Set<string>(PRIVILEGES)
    : aclPrivileges(access, "user", userid, path);
  if (!tokenid) return user;
  const token = access.users[userid]?.tokens[tokenid];
  if (!token) return new Set();
  if (!token.privsep) return user;
  const own = aclPrivileges(access, "token", authid, path);
  return new Set([...own].filter((p) => user.has(p)));
}

export function hasPrivilege(access: AccessState, authid: string, path: string, privilege: string): boolean {
  return effectivePrivileges(access, authid, path).has(privilege);
}
