/**
 * `pveum` against the lab's access state: the user, token, group, role, ACL and permission
 * commands (and the old aliases `useradd`, `aclmod`, …) with the parameters, results and error
 * messages of pve-access-control's API methods (`PVE::API2::User`, `Role`, `Group`, `ACL`,
 * `AccessControl`), printed the way `pveum` prints them (`--output-format text|json|json-pretty|yaml`,
 * `--noborder`, `--noheader`, `--quiet`). A failed command changes nothing and exits 255, as a
 * `die` in PVE's CLI does. Results read back what PVE would parse from `user.cfg` (e.g. a user's
 * `expire` is always there, a new token's `info` only has what was given).
 *
 * Not emulated (they exit 255 saying so): realms, pools, TFA, tickets, passwords.
 *
 * @example
 * ```ts
 * runPveum(access, ["user", "add", "strata@pve", "--comment", "strata"]);           // { code: 0, … }
 * JSON.parse(runPveum(access, ["user", "token", "add", "strata@pve", "ci", "--output-format", "json"]).stdout);
 * // { "full-tokenid": "strata@pve!ci", info: { privsep: 1 }, value: "…uuid…" }
 * ```
 */
import {
  type AccessState,
  type AclEntry,
  BUILTIN_ROLES,
  effectivePermissions,
  isPrivilege,
  isValidAclPath,
  normalizeAclPath,
  permissionRecord,
  permissionTree,
  rolePrivileges,
  splitTokenId,
  TOKENID_RE,
  usernameError,
} from "./access.ts";
import {
  type CliCommand,
  type CliMethod,
  type CliResult,
  type CliTree,
  type FormatCheck,
  paramException,
  type Params,
  type ParamSchema,
  PerlDie,
  printResult,
  runCli,
  splitList,
} from "./pveum_cli.ts";
import { type FormatSchema, printApiResult } from "./pveum_format.ts";

export type { CliResult as CommandResult } from "./pveum_cli.ts";

const TOKEN_SUBID = "(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+)";

/** PVE's registered formats the access commands use (`check_format` messages). */
export const PVEUM_FORMATS: Record<string, FormatCheck> = {
  "pve-userid": (v) => {
    const e = usernameError(v);
    if (e) throw new Error(`${e}\n`);
  },
  "pve-groupid": (v) => {
    if (!/^[A-Za-z0-9.\-_]+$/.test(v)) throw new Error(`group name '${v}' contains invalid characters\n`);
  },
  "pve-roleid": (v) => {
    if (!/^[A-Za-z0-9.\-_]+$/.test(v)) throw new Error(`role name '${v}' contains invalid characters\n`);
  },
  "pve-tokenid": (v) => {
    if (!TOKENID_RE.test(v)) throw new Error(`value '${v}' does not look like a valid token ID\n`);
  },
  "pve-priv": (v) => {
    if (!isPrivilege(v)) throw new Error(`invalid privilege '${v}'\n`);
  },
  "email": (v) => {
    const user = String.raw`[\w+\-~]+(\.[\w+\-~]+)*`;
    if (!new RegExp(`^${user}@[a-zA-Z0-9-]+(\\.[a-zA-Z0-9-]+)*$`).test(v)) {
      throw new Error("value does not look like a valid email address\n");
    }
  },
  "pve-configid": (v) => {
    if (!/^[a-z][a-z0-9_-]+$/i.test(v)) throw new Error(`invalid configuration ID '${v}'\n`);
  },
};

// parameter schemas, as apidata.js has them (a test compares them)
const userid: ParamSchema = { type: "string", format: "pve-userid", maxLength: 64 };
const tokenid: ParamSchema = { type: "string", pattern: TOKEN_SUBID };
const userProps: Record<string, ParamSchema> = {
  userid,
  enable: { type: "boolean", optional: 1 },
  expire: { type: "integer", optional: 1, minimum: 0 },
  firstname: { type: "string", optional: 1, maxLength: 1024 },
  lastname: { type: "string", optional: 1, maxLength: 1024 },
  email: { type: "string", optional: 1, format: "email-opt", maxLength: 254 },
  comment: { type: "string", optional: 1, maxLength: 2048 },
  keys: { type: "string", optional: 1, pattern: "[0-9a-zA-Z!=]{0,4096}" },
  groups: { type: "string", optional: 1, format: "pve-groupid-list" },
};
const tokenProps: Record<string, ParamSchema> = {
  userid,
  tokenid,
  expire: { type: "integer", optional: 1, minimum: 0 },
  privsep: { type: "boolean", optional: 1 },
  comment: { type: "string", optional: 1 },
};

// result schemas (what the formatter reads: types, optionality, titles)
const opt = (type: string): FormatSchema => ({ type, optional: 1 });
const tokenInfo: Record<string, FormatSchema> = {
  comment: opt("string"),
  expire: opt("integer"),
  privsep: opt("boolean"),
};
const NULL: FormatSchema = { type: "null" };
const list = (properties: Record<string, FormatSchema>): FormatSchema => ({
  type: "array",
  items: { type: "object", properties },
});
export const RESULTS = {
  users: list({
    userid: { type: "string" },
    comment: opt("string"),
    email: opt("string"),
    enable: opt("boolean"),
    expire: opt("integer"),
    firstname: opt("string"),
    groups: opt("string"),
    keys: opt("string"),
    lastname: opt("string"),
    "realm-type": opt("string"),
    "tfa-locked-until": opt("integer"),
    tokens: opt("array"),
    "totp-locked": opt("boolean"),
  }),
  tokens: list({ tokenid: { type: "string" }, ...tokenInfo }),
  newToken: {
    type: "object",
    properties: { "full-tokenid": { type: "string" }, info: { type: "object" }, value: { type: "string" } },
  } as FormatSchema,
  tokenUpdate: { type: "object", properties: tokenInfo } as FormatSchema,
  roles: list({ roleid: { type: "string" }, privs: opt("string"), special: opt("boolean") }),
  groups: list({ groupid: { type: "string" }, comment: opt("string"), users: opt("string") }),
  acl: list({
    path: { type: "string" },
    propagate: opt("boolean"),
    roleid: { type: "string" },
    type: { type: "string" },
    ugid: { type: "string" },
  }),
  permissions: { type: "object" } as FormatSchema,
};

/** Perl truthiness of a parameter ("" and "0" are false). */
const truthy = (v: unknown): v is string | number => v !== undefined && v !== "" && v !== "0" && v !== 0;
const str = (v: Params[string]) => v === undefined ? undefined : String(v);

/** `$print_perm_result`: a path/permissions table with `(*)` for propagated ones, or the raw map. */
const printPermissions: CliCommand["output"] = (data, schema, options, terminal) => {
  const format = options["output-format"];
  if (format !== undefined && format !== "text") return printApiResult(data, schema, options, terminal);
  const rows = Object.keys(data as object).sort().map((path) => ({
    path,
    permissions: Object.entries((data as Record<string, Record<string, number>>)[path]).sort()
      .map(([p, propagate]) => propagate ? `${p} (*)` : p).join("\n"),
  }));
  const table = list({
    path: { type: "string", title: "ACL path" },
    permissions: { type: "string", title: "Permissions" },
  });
  return printApiResult(rows, table, options, terminal) +
    "Permissions marked with '(*)' have the 'propagate' flag set.\n";
};

/** Orders ACL paths as `iterate_acl_tree` walks them (parents first, children sorted). */
function aclTreeOrder(a: string, b: string): number {
  const x = a.split("/").filter(Boolean), y = b.split("/").filter(Boolean);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return x.length - y.length;
}

/** The commands, bound to one (draft) access state. */
function commands(access: AccessState, newSecret: () => string): CliTree {
  const method = (
    api: string,
    parameters: Record<string, ParamSchema>,
    returns: FormatSchema,
    code: CliMethod["code"],
  ) => ({
    api,
    parameters,
    returns,
    code,
  });
  const requireUser = (id: string) => {
    const user = access.users[id];
    if (!user) throw new PerlDie(`no such user ('${id}')\n`);
    return user;
  };
  const requireToken = (id: string, token: string) => {
    const info = requireUser(id).tokens[token];
    if (!info) throw new PerlDie(`no such token '${token}' for user '${id}'\n`);
    return info;
  };
  const locked = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (err instanceof PerlDie) throw new PerlDie(`${what}: ${err.message}`);
      throw err;
    }
  };
  const setGroups = (user: string, groups: string) => {
    for (const g of splitList(groups)) {
      if (!access.groups[g]) throw new PerlDie(`no such group '${g}'\n`);
      if (!access.groups[g].users.includes(user)) access.groups[g].users.push(user);
    }
  };
  const dropFromGroups = (user: string) => {
    for (const g of Object.values(access.groups)) g.users = g.users.filter((u) => u !== user);
  };
  const isSpecial = (role: string) => role in BUILTIN_ROLES;

  const userAdd = method(
    "POST /access/users",
    {
      ...userProps,
      password: { type: "string", optional: 1, minLength: 8, maxLength: 64 },
    },
    NULL,
    (p) =>
      locked("create user failed", () => {
        const id = String(p.userid);
        if (access.users[id]) throw new PerlDie(`user '${id}' already exists\n`);
        const realm = id.slice(id.lastIndexOf("@") + 1);
        if (p.password !== undefined && access.realms[realm] !== "pve") {
          throw new PerlDie(`lab: setting a password in realm '${realm}' is not emulated\n`);
        }
        access.users[id] = {
          enable: p.enable === undefined ? true : !!Number(p.enable),
          expire: 0,
          tokens: {},
        };
        const user = access.users[id];
        if (truthy(p.expire)) user.expire = Number(p.expire);
        if (truthy(p.groups)) setGroups(id, String(p.groups));
        for (const k of ["firstname", "lastname", "email", "comment", "keys"] as const) {
          if (truthy(p[k])) user[k] = String(p[k]);
        }
      }),
  );

  const userModify = method(
    "PUT /access/users/{userid}",
    {
      ...userProps,
      append: { type: "boolean", optional: 1, requires: "groups" },
    },
    NULL,
    (p) =>
      locked("update user failed", () => {
        const id = String(p.userid);
        const user = requireUser(id);
        if (p.enable !== undefined) user.enable = !!Number(p.enable);
        if (p.expire !== undefined) user.expire = Number(p.expire);
        if (!truthy(p.append) && p.groups !== undefined) dropFromGroups(id);
        if (truthy(p.groups)) setGroups(id, String(p.groups));
        for (const k of ["firstname", "lastname", "email", "comment", "keys"] as const) {
          if (p[k] !== undefined) user[k] = truthy(p[k]) ? String(p[k]) : undefined;
        }
      }),
  );

  const userDelete = method("DELETE /access/users/{userid}", { userid }, NULL, (p) => {
    // PVE does not check that the user exists: deleting an unknown user succeeds
    const id = String(p.userid);
    const tokens = Object.keys(access.users[id]?.tokens ?? {}).map((t) => `${id}!${t}`);
    delete access.users[id];
    dropFromGroups(id);
    // the user's ACL entries go; its tokens' entries no longer parse once the tokens are gone
    access.acl = access.acl.filter((a) => a.ugid !== id && !tokens.includes(a.ugid));
  });

  const userList = method(
    "GET /access/users",
    {
      enabled: { type: "boolean", optional: 1 },
      full: { type: "boolean", optional: 1 },
    },
    RESULTS.users,
    (p) =>
      Object.keys(access.users).sort().flatMap((id) => {
        const u = access.users[id];
        if (p.enabled !== undefined && !!Number(p.enabled) !== u.enable) return [];
        const entry: Record<string, unknown> = { userid: id, enable: u.enable ? 1 : 0, expire: u.expire };
        if (truthy(u.firstname)) entry.firstname = u.firstname;
        if (truthy(u.lastname)) entry.lastname = u.lastname;
        // user.cfg's email field parses as "" when a later field (comment, keys) is set
        if (truthy(u.email) || truthy(u.comment) || truthy(u.keys)) entry.email = u.email ?? "";
        if (truthy(u.comment)) entry.comment = u.comment;
        if (truthy(u.keys)) entry.keys = u.keys;
        const realm = id.slice(id.lastIndexOf("@") + 1);
        if (access.realms[realm]) entry["realm-type"] = access.realms[realm];
        if (truthy(p.full)) {
          entry.groups = Object.keys(access.groups).filter((g) => access.groups[g].users.includes(id)).sort()
            .join(",");
          const tokens = Object.keys(u.tokens).sort().map((t) => tokenEntry(t, u.tokens[t]));
          entry.tokens = tokens.length ? tokens : null;
        }
        return [entry];
      }),
  );

  const tokenEntry = (id: string, t: AccessState["users"][string]["tokens"][string]) => ({
    tokenid: id,
    privsep: t.privsep ? 1 : 0,
    expire: t.expire,
    ...(truthy(t.comment) ? { comment: t.comment } : {}),
  });

  const tokenAdd = method(
    "POST /access/users/{userid}/token/{tokenid}",
    tokenProps,
    RESULTS.newToken,
    (p) => {
      const id = String(p.userid), token = String(p.tokenid);
      requireUser(id);
      if (access.users[id].tokens[token]) throw paramException({ tokenid: "Token already exists." });
      const info: Record<string, unknown> = { privsep: p.privsep === undefined ? 1 : Number(p.privsep) };
      if (p.expire !== undefined) info.expire = String(p.expire);
      if (truthy(p.comment)) info.comment = String(p.comment);
      const value = newSecret();
      access.users[id].tokens[token] = {
        secret: value,
        privsep: !!info.privsep,
        expire: Number(p.expire ?? 0),
        ...(truthy(p.comment) ? { comment: String(p.comment) } : {}),
      };
      return { info, value, "full-tokenid": `${id}!${token}` };
    },
  );

  const tokenModify = method(
    "PUT /access/users/{userid}/token/{tokenid}",
    {
      ...tokenProps,
      delete: { type: "string", optional: 1, format: "pve-configid-list" },
    },
    RESULTS.tokenUpdate,
    (p) => {
      const id = String(p.userid), token = String(p.tokenid);
      const t = requireToken(id, token);
      const res: Record<string, unknown> = {
        privsep: t.privsep ? 1 : 0,
        expire: t.expire,
        comment: t.comment,
      };
      locked("updating token info failed", () => {
        if (p.privsep !== undefined) res.privsep = Number(p.privsep);
        if (p.expire !== undefined) res.expire = String(p.expire);
        if (p.comment !== undefined) res.comment = String(p.comment);
        if (!truthy(res.comment) && res.comment !== "0") delete res.comment;
        for (const k of splitList(str(p.delete) ?? "")) {
          if (k !== "comment") {
            throw new PerlDie(`400 Parameter verification failed.\ndelete: unknown option '${k}'\n`);
          }
          delete res.comment;
        }
      });
      t.privsep = !!res.privsep;
      t.expire = Number(res.expire ?? 0);
      if (res.comment === undefined) delete t.comment;
      else t.comment = String(res.comment);
      return res;
    },
  );

  const tokenDelete = method(
    "DELETE /access/users/{userid}/token/{tokenid}",
    { userid, tokenid },
    NULL,
    (p) => {
      const id = String(p.userid), token = String(p.tokenid);
      requireToken(id, token);
      delete access.users[id].tokens[token];
      // its ACL entries no longer parse once the token is gone
      access.acl = access.acl.filter((a) => a.ugid !== `${id}!${token}`);
    },
  );

  const tokenList = method("GET /access/users/{userid}/token", { userid }, RESULTS.tokens, (p) => {
    const user = requireUser(String(p.userid));
    return Object.keys(user.tokens).sort().map((t) => tokenEntry(t, user.tokens[t]));
  });

  const permissions = (authid: string, path: string | undefined) => {
    if (path) return { [path]: permissionRecord(effectivePermissions(access, authid, path)) };
    return permissionTree(access, authid);
  };
  const pathParam: ParamSchema = { type: "string", optional: 1 };
  const userPermissions = method(
    "GET /access/permissions",
    {
      userid: {
        type: "string",
        optional: 1,
        pattern:
          "(?^:^(?^:[^\\s:/]+)\\@(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+)(?:!(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+))?$)",
      },
      path: pathParam,
    },
    RESULTS.permissions,
    (p) => permissions(str(p.userid) ?? "root@pam", str(p.path)),
  );

  const tokenPermissions = method(
    "GET /access/permissions",
    { userid, tokenid, path: pathParam },
    RESULTS.permissions,
    (
      p,
    ) => permissions(`${p.userid}!${p.tokenid}`, str(p.path)),
  );

  const groupid: ParamSchema = { type: "string", format: "pve-groupid" };
  const groupAdd = method(
    "POST /access/groups",
    { groupid, comment: { type: "string", optional: 1 } },
    NULL,
    (p) =>
      locked("create group failed", () => {
        const g = String(p.groupid);
        if (access.groups[g]) throw new PerlDie(`group '${g}' already exists\n`);
        access.groups[g] = { users: [], ...(truthy(p.comment) ? { comment: String(p.comment) } : {}) };
      }),
  );
  const groupDelete = method(
    "DELETE /access/groups/{groupid}",
    { groupid },
    NULL,
    (p) =>
      locked("delete group failed", () => {
        const g = String(p.groupid);
        if (!access.groups[g]) throw new PerlDie(`group '${g}' does not exist\n`);
        delete access.groups[g];
        access.acl = access.acl.filter((a) => !(a.type === "group" && a.ugid === g));
      }),
  );
  const groupList = method(
    "GET /access/groups",
    {},
    RESULTS.groups,
    () =>
      Object.keys(access.groups).sort().map((g) => ({
        groupid: g,
        ...(access.groups[g].comment !== undefined ? { comment: access.groups[g].comment } : {}),
        users: [...access.groups[g].users].sort().join(","),
      })),
  );

  const roleid: ParamSchema = { type: "string", format: "pve-roleid" };
  const privs: ParamSchema = { type: "string", optional: 1, format: "pve-priv-list" };
  const roleAdd = method("POST /access/roles", { roleid, privs }, NULL, (p) => {
    const role = String(p.roleid);
    if (/^PVE/i.test(role)) {
      throw paramException({
        roleid: "cannot use role ID starting with the (case-insensitive) 'PVE' namespace",
      });
    }
    locked("create role failed", () => {
      if (rolePrivileges(access, role)) throw new PerlDie(`role '${role}' already exists\n`);
      access.roles[role] = [...new Set(splitList(str(p.privs) ?? ""))].sort();
    });
  });
  const roleModify = method(
    "PUT /access/roles/{roleid}",
    {
      roleid,
      privs,
      append: { type: "boolean", optional: 1, requires: "privs" },
    },
    NULL,
    (p) => {
      const role = String(p.roleid);
      if (isSpecial(role)) throw new PerlDie(`auto-generated role '${role}' cannot be modified\n`);
      locked("update role failed", () => {
        if (!access.roles[role]) throw new PerlDie(`role '${role}' does not exist\n`);
        const base = truthy(p.append) ? access.roles[role] : [];
        access.roles[role] = [...new Set([...base, ...splitList(str(p.privs) ?? "")])].sort();
      });
    },
  );
  const roleDelete = method("DELETE /access/roles/{roleid}", { roleid }, NULL, (p) => {
    const role = String(p.roleid);
    if (isSpecial(role)) throw new PerlDie(`auto-generated role '${role}' cannot be deleted\n`);
    locked("delete role failed", () => {
      if (!access.roles[role]) throw new PerlDie(`role '${role}' does not exist\n`);
      delete access.roles[role];
      // ACL entries naming a deleted role no longer parse
      access.acl = access.acl.filter((a) => a.roleid !== role);
    });
  });
  const roleList = method(
    "GET /access/roles",
    {},
    RESULTS.roles,
    () =>
      [...Object.keys(BUILTIN_ROLES), ...Object.keys(access.roles)].sort().map((role) => ({
        roleid: role,
        privs: [...rolePrivileges(access, role)!].sort().join(","),
        special: isSpecial(role) ? 1 : 0,
      })),
  );

  const aclUpdate = method(
    "PUT /access/acl",
    {
      path: { type: "string" },
      users: { type: "string", optional: 1, format: "pve-userid-list" },
      groups: { type: "string", optional: 1, format: "pve-groupid-list" },
      tokens: { type: "string", optional: 1, format: "pve-tokenid-list" },
      roles: { type: "string", format: "pve-roleid-list" },
      propagate: { type: "boolean", optional: 1 },
      delete: { type: "boolean", optional: 1 },
    },
    NULL,
    (p) => {
      if (!truthy(p.users) && !truthy(p.groups) && !truthy(p.tokens)) {
        const e = "either 'users', 'groups' or 'tokens' is required.";
        throw paramException({ users: e, groups: e, tokens: e });
      }
      const path = normalizeAclPath(String(p.path));
      const remove = truthy(p.delete);
      if (!path || (!remove && !isValidAclPath(path))) {
        throw paramException({ path: `invalid ACL path '${p.path}'` });
      }
      const propagate = p.propagate === undefined ? true : !!Number(p.propagate);
      locked("ACL update failed", () => {
        const set = (type: AclEntry["type"], ugid: string, role: string) => {
          access.acl = access.acl.filter((a) =>
            !(a.path === path && a.type === type && a.ugid === ugid && a.roleid === role)
          );
          if (!remove) access.acl.push({ path, type, ugid, roleid: role, propagate });
        };
        for (const role of splitList(String(p.roles))) {
          if (!rolePrivileges(access, role)) throw new PerlDie(`role '${role}' does not exist\n`);
          for (const g of splitList(str(p.groups) ?? "")) {
            if (!access.groups[g]) throw new PerlDie(`group '${g}' does not exist\n`);
            set("group", g, role);
          }
          for (const u of splitList(str(p.users) ?? "")) {
            if (!access.users[u]) throw new PerlDie(`user '${u}' does not exist\n`);
            set("user", u, role);
          }
          for (const t of splitList(str(p.tokens) ?? "")) {
            const [u, token] = splitTokenId(t)!;
            requireToken(u, token);
            set("token", t, role);
          }
        }
      });
    },
  );
  const aclList = method("GET /access/acl", {}, RESULTS.acl, () => {
    const types: AclEntry["type"][] = ["user", "group", "token"];
    return [...access.acl].sort((a, b) =>
      aclTreeOrder(a.path, b.path) || types.indexOf(a.type) - types.indexOf(b.type) ||
      (a.ugid < b.ugid ? -1 : a.ugid > b.ugid ? 1 : 0) ||
      (a.roleid < b.roleid ? -1 : a.roleid > b.roleid ? 1 : 0)
    ).map((a) => ({
      path: a.path,
      type: a.type,
      ugid: a.ugid,
      roleid: a.roleid,
      propagate: a.propagate ? 1 : 0,
    }));
  });

  const cmd = (m: CliMethod, args: string[], output?: CliCommand["output"], fixed?: Params): CliCommand => ({
    method: m,
    args,
    output,
    fixed,
  });
  const na = { notEmulated: true as const };
  return {
    user: {
      add: cmd(userAdd, ["userid"]),
      modify: cmd(userModify, ["userid"]),
      delete: cmd(userDelete, ["userid"]),
      list: cmd(userList, [], printResult),
      permissions: cmd(userPermissions, ["userid"], printPermissions),
      tfa: na,
      token: {
        add: cmd(tokenAdd, ["userid", "tokenid"], printResult),
        modify: cmd(tokenModify, ["userid", "tokenid"], printResult),
        delete: cmd(tokenDelete, ["userid", "tokenid"], printResult),
        remove: { alias: "delete" },
        list: cmd(tokenList, ["userid"], printResult),
        permissions: cmd(tokenPermissions, ["userid", "tokenid"], printPermissions),
      },
    },
    group: {
      add: cmd(groupAdd, ["groupid"]),
      modify: na,
      delete: cmd(groupDelete, ["groupid"]),
      list: cmd(groupList, [], printResult),
    },
    role: {
      add: cmd(roleAdd, ["roleid"]),
      modify: cmd(roleModify, ["roleid"]),
      delete: cmd(roleDelete, ["roleid"]),
      list: cmd(roleList, [], printResult),
    },
    acl: {
      modify: cmd(aclUpdate, ["path"], undefined, { delete: 0 }),
      delete: cmd(aclUpdate, ["path"], undefined, { delete: 1 }),
      list: cmd(aclList, [], printResult),
    },
    realm: na,
    pool: na,
    ticket: na,
    passwd: na,
    useradd: { alias: "user add" },
    usermod: { alias: "user modify" },
    userdel: { alias: "user delete" },
    groupadd: { alias: "group add" },
    groupmod: { alias: "group modify" },
    groupdel: { alias: "group delete" },
    roleadd: { alias: "role add" },
    rolemod: { alias: "role modify" },
    roledel: { alias: "role delete" },
    aclmod: { alias: "acl modify" },
    acldel: { alias: "acl delete" },
  };
}

export interface PveumOptions {
  /** Makes token secrets (default: random UUIDs). */
  newSecret?: () => string;
  /** The remote locale is UTF-8 (box-drawing table borders); default true. */
  utf8?: boolean;
}

/** The command tree (for tests that compare it with the spec). */
export function pveumCommands(access: AccessState): CliTree {
  return commands(access, () => crypto.randomUUID());
}

/**
 * Runs `pveum ARGS…` against the access state: on success the state is changed as PVE changes
 * `user.cfg`; on failure it is left as it was.
 */
export function runPveum(access: AccessState, args: string[], options: PveumOptions = {}): CliResult {
  const draft = structuredClone(access);
  return runCli(
    commands(draft, options.newSecret ?? (() => crypto.randomUUID())),
    args,
    { utf8: options.utf8 ?? true },
    PVEUM_FORMATS,
    () => Object.assign(access, draft),
  );
}
