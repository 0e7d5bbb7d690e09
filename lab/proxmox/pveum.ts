/**
 * The `pveum` subcommands layer 00 uses, emulated against the lab's access state, printing what
 * pveum prints (`--output-format json|json-pretty|text`) and failing as it fails (exit 255 with
 * the API's message on stderr, as PVE's CLI handler does for a `die`).
 *
 * @example
 * ```ts
 * const r = runPveum(access, ["user", "add", "strata@pve", "--comment", "strata"]);
 * // { code: 0, stdout: "", stderr: "" }
 * ```
 */
import { type AccessState, type AclEntry, BUILTIN_ROLES, PRIVILEGES, rolePrivileges } from "./access.ts";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

const USERID = /^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$/;
const TOKENID = /^[A-Za-z][A-Za-z0-9.\-_]+$/;
const ROLEID = /^[A-Za-z0-9.\-_]+$/;

class PveumError extends Error {}

function parseOptions(
  args: string[],
  allowed: string[],
): { positional: string[]; opts: Record<string, string> } {
  const positional: string[] = [];
  const opts: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith("--") || (a.startsWith("-") && a.length > 1 && !/^-\d/.test(a))) {
      const [name, inline] = a.replace(/^--?/, "").split("=", 2);
      if (!allowed.includes(name)) throw new PveumError(`Unknown option: ${name}`);
      const value = inline ?? args[++i];
      if (value === undefined) throw new PveumError(`Option ${name} requires an argument`);
      opts[name] = value;
    } else positional.push(a);
  }
  return { positional, opts };
}

function bool(value: string | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  throw new PveumError(
    `400 Parameter verification failed.\n${name}: type check ('boolean') failed - got '${value}'`,
  );
}

function requireFormat(value: string | undefined, re: RegExp, name: string, what: string): string {
  if (value === undefined) {
    throw new PveumError(`400 not enough arguments\n`);
  }
  if (!re.test(value)) {
    throw new PveumError(
      `400 Parameter verification failed.\n${name}: value '${value}' does not look like a valid ${what}`,
    );
  }
  return value;
}

function render(data: unknown, format: string | undefined, text: () => string): string {
  if (format === "json") return JSON.stringify(data) + "\n";
  if (format === "json-pretty") return JSON.stringify(data, null, 4) + "\n";
  if (format !== undefined && format !== "text") {
    throw new PveumError(
      `400 Parameter verification failed.\noutput-format: value '${format}' does not have a value in the enumeration 'text, json, json-pretty, yaml'`,
    );
  }
  return text();
}

function table(headers: string[], rows: string[][]): string {
  if (!rows.length) return "";
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = "┌" + w.map((n) => "─".repeat(n + 2)).join("┬") + "┐";
  const fmt = (r: string[]) => "│ " + r.map((c, i) => c.padEnd(w[i])).join(" │ ") + " │";
  const sep = "╞" + w.map((n) => "═".repeat(n + 2)).join("╪") + "╡";
  const end = "└" + w.map((n) => "─".repeat(n + 2)).join("┴") + "┘";
  return [line, fmt(headers), sep, ...rows.map(fmt), end].join("\n") + "\n";
}

function parsePrivs(text: string): string[] {
  const privs = text.split(/[\s,;]+/).filter(Boolean);
  for (const p of privs) {
    if (!(PRIVILEGES as readonly string[]).includes(p)) throw new PveumError(`invalid privilege '${p}'`);
  }
  return [...new Set(privs)].sort();
}

/** Runs `pveum ARGS…` against the access state (mutating it); returns what the real CLI would print. */
export function runPveum(
  access: AccessState,
  args: string[],
  newSecret = () => crypto.randomUUID(),
): CommandResult {
  try {
    return { code: 0, stdout: dispatch(access, args, newSecret), stderr: "" };
  } catch (err) {
    if (!(err instanceof PveumError)) throw err;
    return { code: 255, stdout: "", stderr: err.message.endsWith("\n") ? err.message : err.message + "\n" };
  }
}

/** Old-style aliases pveum still accepts. */
const ALIASES: Record<string, string[]> = {
  aclmod: ["acl", "modify"],
  acldel: ["acl", "delete"],
  useradd: ["user", "add"],
  userdel: ["user", "delete"],
  roleadd: ["role", "add"],
  roledel: ["role", "delete"],
};

function dispatch(access: AccessState, args: string[], newSecret: () => string): string {
  if (ALIASES[args[0]]) args = [...ALIASES[args[0]], ...args.slice(1)];
  const [group, action, ...rest] = args;
  const key = action === "token" ? `${group} token ${rest[0]}` : `${group} ${action}`;
  const tail = action === "token" ? rest.slice(1) : rest;
  switch (key) {
    case "user list": {
      const { opts } = parseOptions(tail, ["output-format", "enabled", "full"]);
      const users = Object.entries(access.users).map(([userid, u]) => ({
        userid,
        enable: u.enable ? 1 : 0,
        expire: u.expire,
        ...(u.comment ? { comment: u.comment } : {}),
        ...(opts.full
          ? {
            tokens: Object.entries(u.tokens).map(([tokenid, t]) => ({
              tokenid,
              privsep: t.privsep ? 1 : 0,
              expire: t.expire,
            })),
          }
          : {}),
      }));
      return render(
        users,
        opts["output-format"],
        () =>
          table(
            ["userid", "comment", "enable", "expire"],
            users.map((u) => [u.userid, u.comment ?? "", String(u.enable), String(u.expire)]),
          ),
      );
    }
    case "user add": {
      const { positional, opts } = parseOptions(tail, [
        "comment",
        "enable",
        "expire",
        "email",
        "firstname",
        "lastname",
        "password",
        "groups",
      ]);
      const userid = requireFormat(positional[0], USERID, "userid", "user id");
      if (access.users[userid]) throw new PveumError(`create user failed: user '${userid}' already exists`);
      access.users[userid] = {
        enable: bool(opts.enable, "enable", true),
        expire: Number(opts.expire ?? 0),
        comment: opts.comment,
        tokens: {},
      };
      return "";
    }
    case "user delete": {
      const userid = requireFormat(parseOptions(tail, []).positional[0], USERID, "userid", "user id");
      if (!access.users[userid]) throw new PveumError(`delete user failed: user '${userid}' does not exist`);
      delete access.users[userid];
      access.acl = access.acl.filter((a) => a.ugid !== userid && !a.ugid.startsWith(`${userid}!`));
      return "";
    }
    case "user token add": {
      const { positional, opts } = parseOptions(tail, ["comment", "expire", "privsep", "output-format"]);
      const userid = requireFormat(positional[0], USERID, "userid", "user id");
      const tokenid = requireFormat(positional[1], TOKENID, "tokenid", "token id");
      const user = access.users[userid];
      if (!user) throw new PveumError(`no such user ('${userid}')`);
      if (user.tokens[tokenid]) throw new PveumError("Token already exists.");
      const privsep = bool(opts.privsep, "privsep", true);
      const expire = Number(opts.expire ?? user.expire);
      const value = newSecret();
      user.tokens[tokenid] = { secret: value, privsep, expire, comment: opts.comment };
      const info = {
        privsep: privsep ? 1 : 0,
        ...(expire ? { expire } : {}),
        ...(opts.comment ? { comment: opts.comment } : {}),
      };
      const data = { "full-tokenid": `${userid}!${tokenid}`, info, value };
      return render(
        data,
        opts["output-format"],
        () =>
          table(["key", "value"], [["full-tokenid", data["full-tokenid"]], ["info", JSON.stringify(info)], [
            "value",
            value,
          ]]),
      );
    }
    case "user token list": {
      const { positional, opts } = parseOptions(tail, ["output-format"]);
      const userid = requireFormat(positional[0], USERID, "userid", "user id");
      const user = access.users[userid];
      if (!user) throw new PveumError(`no such user ('${userid}')`);
      const tokens = Object.entries(user.tokens).map(([tokenid, t]) => ({
        tokenid,
        privsep: t.privsep ? 1 : 0,
        expire: t.expire,
        ...(t.comment ? { comment: t.comment } : {}),
      }));
      return render(
        tokens,
        opts["output-format"],
        () =>
          table(
            ["tokenid", "comment", "expire", "privsep"],
            tokens.map((t) => [t.tokenid, t.comment ?? "", String(t.expire), String(t.privsep)]),
          ),
      );
    }
    case "user token remove": {
      const { positional } = parseOptions(tail, []);
      const userid = requireFormat(positional[0], USERID, "userid", "user id");
      const tokenid = requireFormat(positional[1], TOKENID, "tokenid", "token id");
      const user = access.users[userid];
      if (!user) throw new PveumError(`no such user ('${userid}')`);
      if (!user.tokens[tokenid]) throw new PveumError(`no such token '${tokenid}' for user '${userid}'`);
      delete user.tokens[tokenid];
      access.acl = access.acl.filter((a) => a.ugid !== `${userid}!${tokenid}`);
      return "";
    }
    case "role list": {
      const { opts } = parseOptions(tail, ["output-format"]);
      const roles = [
        ...Object.entries(BUILTIN_ROLES).map(([roleid, privs]) => ({
          roleid,
          privs: privs.join(","),
          special: 1,
        })),
        ...Object.entries(access.roles).map(([roleid, privs]) => ({
          roleid,
          privs: privs.join(","),
          special: 0,
        })),
      ];
      return render(
        roles,
        opts["output-format"],
        () => table(["roleid", "privs", "special"], roles.map((r) => [r.roleid, r.privs, String(r.special)])),
      );
    }
    case "role add":
    case "role modify": {
      const { positional, opts } = parseOptions(tail, ["privs", "append"]);
      const roleid = requireFormat(positional[0], ROLEID, "roleid", "role id");
      if (BUILTIN_ROLES[roleid]) throw new PveumError(`cannot modify special role '${roleid}'`);
      const privs = parsePrivs(opts.privs ?? "");
      if (action === "add") {
        if (access.roles[roleid]) throw new PveumError(`create role failed: role '${roleid}' already exists`);
        access.roles[roleid] = privs;
      } else {
        if (!access.roles[roleid]) {
          throw new PveumError(`update role failed: role '${roleid}' does not exist`);
        }
        access.roles[roleid] = bool(opts.append, "append", false)
          ? [...new Set([...access.roles[roleid], ...privs])].sort()
          : privs;
      }
      return "";
    }
    case "role delete": {
      const roleid = requireFormat(parseOptions(tail, []).positional[0], ROLEID, "roleid", "role id");
      if (BUILTIN_ROLES[roleid]) throw new PveumError(`cannot delete special role '${roleid}'`);
      if (!access.roles[roleid]) throw new PveumError(`delete role failed: role '${roleid}' does not exist`);
      delete access.roles[roleid];
      access.acl = access.acl.filter((a) => a.roleid !== roleid);
      return "";
    }
    case "acl list": {
      const { opts } = parseOptions(tail, ["output-format"]);
      const rows = access.acl.map((a) => ({
        path: a.path,
        roleid: a.roleid,
        type: a.type,
        ugid: a.ugid,
        propagate: a.propagate ? 1 : 0,
      }));
      return render(
        rows,
        opts["output-format"],
        () =>
          table(
            ["path", "roleid", "type", "ugid", "propagate"],
            rows.map((r) => [r.path, r.roleid, r.type, r.ugid, String(r.propagate)]),
          ),
      );
    }
    case "acl modify":
    case "acl delete": {
      const { positional, opts } = parseOptions(tail, ["roles", "users", "tokens", "groups", "propagate"]);
      const path = positional[0];
      if (!path?.startsWith("/")) {
        throw new PveumError(`400 Parameter verification failed.\npath: invalid ACL path '${path ?? ""}'`);
      }
      if (!opts.roles) {
        throw new PveumError(
          "400 Parameter verification failed.\nroles: property is missing and it is not optional",
        );
      }
      const roles = opts.roles.split(/[,;\s]+/).filter(Boolean);
      for (const r of roles) {
        if (!rolePrivileges(access, r)) throw new PveumError(`role '${r}' does not exist`);
      }
      const subjects: Omit<AclEntry, "path" | "roleid" | "propagate">[] = [
        ...(opts.users ?? "").split(",").filter(Boolean).map((ugid) => ({ type: "user" as const, ugid })),
        ...(opts.tokens ?? "").split(",").filter(Boolean).map((ugid) => ({ type: "token" as const, ugid })),
        ...(opts.groups ?? "").split(",").filter(Boolean).map((ugid) => ({ type: "group" as const, ugid })),
      ];
      if (!subjects.length) throw new PveumError("either 'users', 'groups' or 'tokens' is required");
      for (const s of subjects) {
        const [userid, tokenid] = s.ugid.split("!");
        if (s.type === "user" && !access.users[s.ugid]) {
          throw new PveumError(`user '${s.ugid}' does not exist`);
        }
        if (s.type === "token" && !access.users[userid]?.tokens[tokenid]) {
          throw new PveumError(`no such token '${tokenid}' for user '${userid}'`);
        }
      }
      const propagate = bool(opts.propagate, "propagate", true);
      for (const s of subjects) {
        for (const roleid of roles) {
          access.acl = access.acl.filter((a) =>
            !(a.path === path && a.type === s.type && a.ugid === s.ugid && a.roleid === roleid)
          );
          if (action === "modify") access.acl.push({ path, ...s, roleid, propagate });
        }
      }
      return "";
    }
    default:
      throw new PveumError(`unknown command 'pveum ${args.slice(0, 2).join(" ")}'`);
  }
}
