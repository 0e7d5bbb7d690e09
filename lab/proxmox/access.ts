/**
 * The emulated Proxmox access control: users, groups, roles, ACLs, pools and API tokens, kept in
 * the lab world's `proxmox` section under `access`. The same state backs the `pveum` emulator
 * (over SSH) and the API emulator's 401/403 decisions, with PVE's semantics:
 *
 * - token auth as `PVE::APIServer::Formatter::extract_auth_value` + `PVE::AccessControl::verify_token`;
 * - roles along a path as `PVE::AccessControl::roles` (the most specific level with an entry wins;
 *   at one level token entries, then user entries, then group entries; `propagate` decides whether
 *   an entry reaches below its path; `NoAccess` wins over everything else at the end);
 * - privileges as `PVE::RPCEnvironment::permissions` (pool ACLs apply to a pool's VMs and storages;
 *   a privilege-separated token gets the intersection of its own privileges and its user's;
 *   `root@pam` has every privilege).
 *
 * @example
 * ```ts
 * const access = proxmoxWorld(world).access;
 * const who = authenticateApiToken(access, "PVEAPIToken=strata@pve!strata=5f0c…", clock.now());
 * if (who && hasPrivilege(access, who.authid, "/vms/101", "VM.PowerMgmt")) { … }
 * ```
 */
import type { LabWorld } from "../world.ts";
import { BUILTIN_ROLES, PRIVILEGES } from "./access_privileges.ts";

export { BUILTIN_ROLES, isPrivilege, PRIVILEGE_GROUPS, PRIVILEGES } from "./access_privileges.ts";

export interface AccessToken {
  /** The token's secret (a UUID), as `/etc/pve/priv/token.cfg` keeps it. */
  secret: string;
  privsep: boolean;
  /** Epoch seconds; 0 = never. */
  expire: number;
  comment?: string;
}

export interface AccessUser {
  enable: boolean;
  /** Epoch seconds; 0 = never. */
  expire: number;
  comment?: string;
  email?: string;
  firstname?: string;
  lastname?: string;
  keys?: string;
  tokens: Record<string, AccessToken>;
}

export interface AccessGroup {
  comment?: string;
  users: string[];
}

export interface AccessPool {
  comment?: string;
  vms: number[];
  storage: string[];
}

export interface AclEntry {
  /** Normalized ACL path ("/", "/vms/100", …). */
  path: string;
  type: "user" | "token" | "group";
  /** userid, full token id (`user@realm!token`) or group id. */
  ugid: string;
  roleid: string;
  propagate: boolean;
}

export interface AccessState {
  users: Record<string, AccessUser>;
  /** Custom roles only; the built-in roles are {@link BUILTIN_ROLES}. Privileges sorted. */
  roles: Record<string, string[]>;
  acl: AclEntry[];
  groups: Record<string, AccessGroup>;
  pools: Record<string, AccessPool>;
  /** Realm → type (domains.cfg); a fresh install has `pam` and `pve`. */
  realms: Record<string, string>;
}

/** The access state of a freshly installed PVE host: root@pam, realms pam and pve, nothing else. */
export function emptyAccess(): AccessState {
  return {
    users: { "root@pam": { enable: true, expire: 0, email: "root@localhost", tokens: {} } },
    roles: {},
    acl: [],
    groups: {},
    pools: {},
    realms: { pam: "pam", pve: "pve" },
  };
}

/** Fills in what an access state written by an older lab lacks. */
export function normalizeAccess(access: AccessState): AccessState {
  access.users ??= {};
  access.roles ??= {};
  access.acl ??= [];
  access.groups ??= {};
  access.pools ??= {};
  access.realms ??= { pam: "pam", pve: "pve" };
  access.users["root@pam"] ??= { enable: true, expire: 0, email: "root@localhost", tokens: {} };
  for (const user of Object.values(access.users)) user.tokens ??= {};
  return access;
}

/** The lab world's Proxmox section (shared with the API emulator: `hosts` holds each node's CA). */
export interface ProxmoxWorld {
  access: AccessState;
  hosts: Record<string, { caPem?: string; caKeyPem?: string }>;
}

/** The `proxmox` section of the lab world, created on first use. */
export function proxmoxWorld(world: LabWorld): ProxmoxWorld {
  const pve = world.section<ProxmoxWorld>("proxmox", () => ({ access: emptyAccess(), hosts: {} }));
  pve.access = normalizeAccess(pve.access ?? emptyAccess());
  pve.hosts ??= {};
  return pve;
}

/** Privileges of a role (built-in or custom), or undefined when there is no such role. */
export function rolePrivileges(access: AccessState, roleid: string): readonly string[] | undefined {
  return BUILTIN_ROLES[roleid] ?? access.roles[roleid];
}

// PVE::Auth::Plugin / PVE::AccessControl name rules
const USER = String.raw`[^\s:/]+`;
const REALM = String.raw`[A-Za-z][A-Za-z0-9.\-_]+`;
export const USERID_RE = new RegExp(`^(${USER})@(${REALM})$`);
export const TOKEN_SUBID_RE = new RegExp(`^${REALM}$`);
export const TOKENID_RE = new RegExp(`^((${USER})@(${REALM}))!(${REALM})$`);
export const USERID_OR_TOKEN_RE = new RegExp(`^${USER}@${REALM}(?:!${REALM})?$`);

/** `verify_username`: null when valid, else PVE's message. */
export function usernameError(name: string): string | null {
  if (name.length < 3) return `user name '${name}' is too short`;
  if (name.length > 64) return `user name '${name}' is too long (${name.length} > 64)`;
  return USERID_RE.test(name) ? null : `value '${name}' does not look like a valid user name`;
}

/** `split_tokenid`: `[userid, tokenid]`, or undefined for a malformed full token id. */
export function splitTokenId(full: string): [string, string] | undefined {
  const m = TOKENID_RE.exec(full);
  return m ? [m[1], m[4]] : undefined;
}

/** `PVE::AccessControl::normalize_path`: undefined for a path PVE refuses. */
export function normalizeAclPath(path: string): string | undefined {
  if (!path) return undefined;
  let p = path.replace(/\/+/g, "/").replace(/\/$/, "");
  if (!p) p = "/";
  if (!p.startsWith("/")) p = `/${p}`;
  return /^[A-Za-z0-9.\-_/]+$/.test(p) ? p : undefined;
}

const ALNUM = "[A-Za-z0-9]";
const NAME = "[A-Za-z0-9.\\-_]";
/** `PVE::AccessControl::check_path`: the paths an ACL may be set on. */
const ACL_PATH = new RegExp(
  "^(?:" + [
    "/",
    "/access",
    "/access/groups",
    `/access/groups/${NAME}+`,
    "/access/realm",
    `/access/realm/${NAME}+`,
    "/nodes",
    `/nodes/${NAME}+`,
    "/pool",
    `/pool/${NAME}+(?:/${NAME}+){0,2}`,
    "/sdn",
    "/sdn/controllers",
    "/sdn/controllers/[A-Za-z0-9_\\-]+",
    "/sdn/dns",
    `/sdn/dns/${ALNUM}+`,
    "/sdn/fabrics",
    `/sdn/fabrics/${ALNUM}+`,
    "/sdn/ipams",
    `/sdn/ipams/${ALNUM}+`,
    "/sdn/prefix-lists",
    `/sdn/prefix-lists/${ALNUM}+`,
    "/sdn/route-maps",
    `/sdn/route-maps/${ALNUM}+`,
    "/sdn/zones",
    `/sdn/zones/${NAME}+`,
    `/sdn/zones/${NAME}+/${NAME}+`,
    `/sdn/zones/${NAME}+/${NAME}+/[1-9][0-9]{0,3}`,
    "/storage",
    `/storage/${NAME}+`,
    "/vms",
    "/vms/[1-9][0-9]{2,}",
    "/mapping",
    `/mapping/${NAME}+`,
    `/mapping/${NAME}+/${NAME}+`,
  ].join("|") + ")$",
);

export function isValidAclPath(path: string): boolean {
  return ACL_PATH.test(path);
}

/** `uri_unescape`: %XX sequences decoded, everything else kept. */
function uriUnescape(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Checks an `Authorization` header carrying an API token the way PVE does, returning the token's
 * authid or PVE's reason for refusing it (`no such token …`, `user '…' is disabled`, `invalid token
 * value!`, …). `PVEAPIToken` may be followed by `=` or a space.
 */
export function verifyApiToken(
  access: AccessState,
  header: string | null | undefined,
  nowMs: number = Date.now(),
): { authid: string } | { error: string } {
  const raw = header ? /(?:^|\s)PVEAPIToken(?:=| )([^;]*)/.exec(header)?.[1] : undefined;
  if (!raw) return { error: "No ticket" };
  const value = uriUnescape(raw);
  const eq = value.lastIndexOf("=");
  if (eq < 0) return { error: "no tokenid specified" };
  const tokenid = value.slice(0, eq), secret = value.slice(eq + 1);
  const parts = splitTokenId(tokenid);
  if (!parts) {
    return { error: `'${tokenid}' is not a valid token ID - not able to split into user and token parts` };
  }
  const [userid, token] = parts;
  const user = access.users[userid];
  const now = nowMs / 1000;
  if (!user) return { error: `no such user ('${userid}')` };
  if (!user.enable) return { error: `user '${userid}' is disabled` };
  if (user.expire && user.expire < now) return { error: `user '${userid}' access expired` };
  const info = user.tokens[token];
  if (!info) return { error: `no such token '${token}' for user '${userid}'` };
  if (info.expire && info.expire < now) return { error: `token '${token}' access expired` };
  if (info.secret !== secret) return { error: "invalid token value!" };
  return { authid: tokenid };
}

/** {@link verifyApiToken} as a yes/no: the token's authid, or null. */
export function authenticateApiToken(
  access: AccessState,
  header: string | null | undefined,
  nowMs: number = Date.now(),
): { authid: string } | null {
  const result = verifyApiToken(access, header, nowMs);
  return "authid" in result ? result : null;
}

/** `PVE::AccessControl::roles` for a user or a token's own ACLs: role → propagate. */
function rolesOn(access: AccessState, authid: string, path: string): Map<string, boolean> {
  const segments = path === "/" ? [""] : path.split("/");
  while (segments.length > 1 && segments[segments.length - 1] === "") segments.pop(); // Perl's split
  let roles = new Map<string, boolean>();
  let node = "";
  for (let i = 0; i < segments.length; i++) {
    if (segments[i] !== "") node += `/${segments[i]}`;
    const final = i === segments.length - 1;
    const here = access.acl.filter((e) => e.path === (node || "/") && (final || e.propagate));
    const groups = access.groups;
    const pick = [
      here.filter((e) => e.type === "token" && e.ugid === authid),
      here.filter((e) => e.type === "user" && e.ugid === authid),
      here.filter((e) => e.type === "group" && groups[e.ugid]?.users.includes(authid)),
    ].find((entries) => entries.length);
    if (pick) roles = new Map(pick.map((e) => [e.roleid, e.propagate]));
  }
  return roles.has("NoAccess") ? new Map([["NoAccess", roles.get("NoAccess")!]]) : roles;
}

/** `$compile_acl_path`: privileges (→ propagate) from path and pool ACLs, before token intersection. */
function compiled(access: AccessState, authid: string, path: string): Map<string, boolean> {
  let roles = rolesOn(access, authid, path);
  const poolRoles = new Set<string>();
  for (const [pool, d] of Object.entries(access.pools)) {
    if (!d.vms.some((v) => `/vms/${v}` === path) && !d.storage.some((s) => `/storage/${s}` === path)) {
      continue;
    }
    for (const role of rolesOn(access, authid, `/pool/${pool}`).keys()) poolRoles.add(role);
  }
  // NoAccess must not be trumped by pool ACLs, but a pool's NoAccess trumps regular ACLs
  if (poolRoles.size && !roles.has("NoAccess")) {
    if (poolRoles.has("NoAccess")) roles = new Map([["NoAccess", false]]);
    else for (const role of poolRoles) if (!roles.has(role)) roles.set(role, false);
  }
  const privs = new Map<string, boolean>();
  for (const [role, propagate] of roles) {
    for (const p of rolePrivileges(access, role) ?? []) privs.set(p, (privs.get(p) ?? false) || propagate);
  }
  return privs;
}

/**
 * `PVE::RPCEnvironment::permissions`: every privilege `authid` (a user or `user!token`) holds on
 * `path`, each with whether it was granted with propagation.
 */
export function effectivePermissions(
  access: AccessState,
  authid: string,
  path: string,
): Map<string, boolean> {
  if (authid === "root@pam") return new Map(PRIVILEGES.map((p) => [p, true]));
  const parts = splitTokenId(authid);
  if (parts) {
    const [userid, tokenid] = parts;
    const token = access.users[userid]?.tokens[tokenid];
    if (!token) return new Map();
    const userPrivs = effectivePermissions(access, userid, path);
    if (!token.privsep) return userPrivs;
    const own = compiled(access, authid, path);
    // root@pam's privilege-separated tokens get exactly their own ACLs
    if (userid === "root@pam") return own;
    const out = new Map<string, boolean>();
    for (const [p, propagate] of own) if (userPrivs.has(p)) out.set(p, propagate && userPrivs.get(p)!);
    return out;
  }
  if (usernameError(authid)) return new Map();
  return compiled(access, authid, path);
}

/** The privilege names of {@link effectivePermissions}. */
export function effectivePrivileges(access: AccessState, authid: string, path: string): Set<string> {
  return new Set(effectivePermissions(access, authid, path).keys());
}

export function hasPrivilege(access: AccessState, authid: string, path: string, privilege: string): boolean {
  return effectivePermissions(access, authid, path).has(privilege);
}

/**
 * `get_effective_permissions`: privileges (→ 1 when propagated, else 0) on the top-level paths,
 * every ACL path and every pool member's path, leaving out paths without any privilege. This is
 * `GET /access/permissions` without `path` and `pveum user permissions`.
 */
export function permissionTree(access: AccessState, authid: string): Record<string, Record<string, 0 | 1>> {
  const paths = new Set(["/", "/access", "/access/groups", "/nodes", "/pool", "/sdn", "/storage", "/vms"]);
  for (const e of access.acl) paths.add(e.path);
  for (const pool of Object.values(access.pools)) {
    for (const vmid of pool.vms) paths.add(`/vms/${vmid}`);
    for (const storage of pool.storage) paths.add(`/storage/${storage}`);
  }
  const out: Record<string, Record<string, 0 | 1>> = {};
  for (const path of [...paths].sort()) {
    const perms = effectivePermissions(access, authid, path);
    if (perms.size) out[path] = permissionRecord(perms);
  }
  return out;
}

/** A permission map as PVE's API returns it: privilege → 1 (propagated) or 0. */
export function permissionRecord(perms: Map<string, boolean>): Record<string, 0 | 1> {
  return Object.fromEntries([...perms].sort(([a], [b]) => a < b ? -1 : 1).map(([p, v]) => [p, v ? 1 : 0]));
}
