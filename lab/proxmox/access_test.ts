import { assert, assertEquals } from "../../tests/testing.ts";
import {
  type AccessState,
  authenticateApiToken,
  BUILTIN_ROLES,
  effectivePermissions,
  effectivePrivileges,
  emptyAccess,
  isValidAclPath,
  normalizeAclPath,
  permissionTree,
  PRIVILEGES,
  verifyApiToken,
} from "./access.ts";

const APIDATA = new URL("../../../shared/specs/proxmox/apidata.js", import.meta.url);

/** Privilege names in apidata.js: in permission checks, in permission descriptions, and check kinds. */
function apidataPrivileges() {
  const text = Deno.readTextFileSync(APIDATA);
  const tree = JSON.parse(text.slice(text.indexOf("["), text.lastIndexOf("]") + 1));
  const checked = new Set<string>(), described = new Set<string>(), kinds = new Set<string>();
  const walkCheck = (c: unknown, top = false): void => {
    if (!Array.isArray(c)) return;
    if (top || ["and", "or"].includes(c[0])) kinds.add(String(c[0]));
    if (c[0] === "perm" && Array.isArray(c[2])) c[2].forEach((p) => checked.add(p));
    if (c[0] === "userid-group" && Array.isArray(c[1])) c[1].forEach((p) => checked.add(p));
    if (c[0] === "userid-param" && c[1] !== "self") checked.add(c[1]);
    c.forEach((sub) => walkCheck(sub, ["and", "or"].includes(c[0])));
  };
  const walk = (
    n: {
      info?: Record<string, { permissions?: { check?: unknown; description?: string } }>;
      children?: unknown[];
    },
  ) => {
    for (const i of Object.values(n.info ?? {})) {
      walkCheck(i.permissions?.check, true);
      for (
        const m of (i.permissions?.description ?? "").matchAll(/\b([A-Z][A-Za-z]+(?:\.[A-Z][A-Za-z]*)+)\b/g)
      ) {
        described.add(m[1]);
      }
    }
    (n.children ?? []).forEach((c) => walk(c as typeof n));
  };
  tree.forEach(walk);
  return { checked, described, kinds };
}

Deno.test("every privilege apidata.js checks is in the model, and every modelled privilege is one PVE uses", () => {
  const { checked, described, kinds } = apidataPrivileges();
  const valid = new Set(PRIVILEGES);
  assertEquals(
    [...checked].filter((p) => !valid.has(p)).sort(),
    [],
    "checked by the API, unknown to the model",
  );
  assertEquals(
    [...described].filter((p) => !valid.has(p)).sort(),
    [],
    "named in the API, unknown to the model",
  );
  // Permissions.Modify is what the 'perm-modify' check kind tests (RPCEnvironment::check_perm_modify)
  assert(kinds.has("perm-modify"), "apidata.js has perm-modify checks");
  const unused = PRIVILEGES.filter((p) => !checked.has(p) && !described.has(p));
  assertEquals(unused, ["Permissions.Modify"]);
  assert(!valid.has("VM.Monitor"), "PVE 9 removed VM.Monitor");
  for (
    const p of ["VM.GuestAgent.Audit", "VM.GuestAgent.Unrestricted", "VM.Replicate", "Sys.AccessNetwork"]
  ) {
    assert(valid.has(p), p);
  }
});

Deno.test("built-in roles are derived as create_roles derives them", () => {
  assertEquals(BUILTIN_ROLES.Administrator, PRIVILEGES);
  assertEquals(BUILTIN_ROLES.NoAccess, []);
  assertEquals(BUILTIN_ROLES.PVEAuditor, [
    "Datastore.Audit",
    "Mapping.Audit",
    "Pool.Audit",
    "SDN.Audit",
    "Sys.Audit",
    "VM.Audit",
    "VM.GuestAgent.Audit",
  ]);
  assertEquals(BUILTIN_ROLES.PVEVMUser, [
    "VM.Audit",
    "VM.Backup",
    "VM.Config.CDROM",
    "VM.Config.Cloudinit",
    "VM.Console",
    "VM.GuestAgent.Audit",
    "VM.GuestAgent.FileRead",
    "VM.GuestAgent.FileSystemMgmt",
    "VM.GuestAgent.FileWrite",
    "VM.PowerMgmt",
  ]);
  assertEquals(BUILTIN_ROLES.PVEDatastoreUser, ["Datastore.AllocateSpace", "Datastore.Audit"]);
  assertEquals(BUILTIN_ROLES.PVETemplateUser, ["VM.Audit", "VM.Clone"]);
  assertEquals(BUILTIN_ROLES.PVESDNUser, ["SDN.Audit", "SDN.Use"]);
  // root-only privileges stay out of PVEAdmin, and so does Mapping.Modify
  for (const p of ["Sys.PowerMgmt", "Sys.Modify", "Sys.Incoming", "Sys.AccessNetwork", "Realm.Allocate"]) {
    assert(!BUILTIN_ROLES.PVEAdmin.includes(p), p);
  }
  assert(
    !BUILTIN_ROLES.PVEAdmin.includes("Mapping.Modify") &&
      BUILTIN_ROLES.PVEMappingAdmin.includes("Mapping.Modify"),
  );
  assert(
    !BUILTIN_ROLES.PVESysUser && !BUILTIN_ROLES.PVEUserUser,
    "no user role for categories without user privileges",
  );
  assertEquals(Object.keys(BUILTIN_ROLES).sort(), [
    "Administrator",
    "NoAccess",
    "PVEAdmin",
    "PVEAuditor",
    "PVEDatastoreAdmin",
    "PVEDatastoreUser",
    "PVEMappingAdmin",
    "PVEMappingUser",
    "PVEPoolAdmin",
    "PVEPoolUser",
    "PVESDNAdmin",
    "PVESDNUser",
    "PVESysAdmin",
    "PVETemplateUser",
    "PVEUserAdmin",
    "PVEVMAdmin",
    "PVEVMUser",
  ]);
});

function world(): AccessState {
  const a = emptyAccess();
  a.users["alice@pve"] = { enable: true, expire: 0, tokens: {} };
  a.users["bob@pve"] = { enable: true, expire: 0, tokens: {} };
  a.roles.Read = ["Sys.Audit", "VM.Audit"];
  a.roles.Power = ["VM.Audit", "VM.PowerMgmt"];
  a.groups.ops = { users: ["alice@pve", "bob@pve"] };
  return a;
}

const privs = (a: AccessState, who: string, path: string) => [...effectivePrivileges(a, who, path)].sort();

Deno.test("ACL paths: propagation, the most specific level wins, users over groups, NoAccess", () => {
  const a = world();
  a.acl.push({ path: "/", type: "group", ugid: "ops", roleid: "Read", propagate: true });
  a.acl.push({ path: "/vms", type: "user", ugid: "alice@pve", roleid: "Power", propagate: false });
  a.acl.push({ path: "/vms/200", type: "user", ugid: "bob@pve", roleid: "NoAccess", propagate: true });
  a.acl.push({ path: "/vms/200", type: "user", ugid: "bob@pve", roleid: "Power", propagate: true });
  assertEquals(privs(a, "alice@pve", "/"), ["Sys.Audit", "VM.Audit"], "group ACL on /");
  assertEquals(
    privs(a, "alice@pve", "/vms"),
    ["VM.Audit", "VM.PowerMgmt"],
    "her user ACL replaces the group's",
  );
  assertEquals(
    privs(a, "alice@pve", "/vms/100"),
    ["Sys.Audit", "VM.Audit"],
    "not propagated: the group's again",
  );
  assertEquals(privs(a, "bob@pve", "/vms/100"), ["Sys.Audit", "VM.Audit"]);
  assertEquals(privs(a, "bob@pve", "/vms/200"), [], "NoAccess wins");
  assertEquals(privs(a, "carol@pve", "/"), [], "no ACL, nothing");
  assertEquals(privs(a, "root@pam", "/anything"), [...PRIVILEGES]);
  const perms = effectivePermissions(a, "alice@pve", "/vms");
  assertEquals([perms.get("VM.PowerMgmt"), effectivePermissions(a, "alice@pve", "/").get("VM.Audit")], [
    false,
    true,
  ]);
});

Deno.test("tokens: privilege separation intersects with the user's; without it the user's privileges apply", () => {
  const a = world();
  a.users["alice@pve"].tokens.sep = { secret: "s1", privsep: true, expire: 0 };
  a.users["alice@pve"].tokens.full = { secret: "s2", privsep: false, expire: 0 };
  a.users["root@pam"].tokens.rootsep = { secret: "s3", privsep: true, expire: 0 };
  a.acl.push({ path: "/", type: "user", ugid: "alice@pve", roleid: "Read", propagate: true });
  assertEquals(privs(a, "alice@pve!sep", "/vms/100"), [], "a separated token without ACL has nothing");
  assertEquals(privs(a, "alice@pve!full", "/vms/100"), ["Sys.Audit", "VM.Audit"]);
  a.acl.push({ path: "/vms", type: "token", ugid: "alice@pve!sep", roleid: "Power", propagate: true });
  assertEquals(privs(a, "alice@pve!sep", "/vms/100"), ["VM.Audit"], "VM.PowerMgmt is not the user's");
  assertEquals(privs(a, "alice@pve!sep", "/nodes/pve1"), [], "outside the token's ACL");
  assertEquals(privs(a, "alice@pve!nope", "/vms/100"), []);
  a.acl.push({ path: "/vms", type: "token", ugid: "root@pam!rootsep", roleid: "Power", propagate: true });
  assertEquals(
    privs(a, "root@pam!rootsep", "/vms/1"),
    ["VM.Audit", "VM.PowerMgmt"],
    "root's separated token: its ACL only",
  );
});

Deno.test("pools: a pool's ACL reaches its VMs and storages (not propagated), and its NoAccess wins", () => {
  const a = world();
  a.pools.lab = { vms: [300], storage: ["tank"] };
  a.acl.push({ path: "/pool/lab", type: "user", ugid: "alice@pve", roleid: "Power", propagate: true });
  assertEquals(privs(a, "alice@pve", "/vms/300"), ["VM.Audit", "VM.PowerMgmt"]);
  assertEquals(effectivePermissions(a, "alice@pve", "/vms/300").get("VM.PowerMgmt"), false);
  assertEquals(privs(a, "alice@pve", "/vms/301"), []);
  a.acl.push({ path: "/pool/lab", type: "user", ugid: "bob@pve", roleid: "NoAccess", propagate: true });
  a.acl.push({ path: "/", type: "user", ugid: "bob@pve", roleid: "Read", propagate: true });
  assertEquals(privs(a, "bob@pve", "/vms/300"), []);
  assertEquals(privs(a, "bob@pve", "/vms/301"), ["Sys.Audit", "VM.Audit"]);
  assertEquals(Object.keys(permissionTree(a, "alice@pve")), [
    "/pool/lab",
    "/storage/tank",
    "/vms/300",
  ]);
});

Deno.test("token auth: header forms, and PVE's reasons for refusing", () => {
  const a = world();
  const secret = "5f0c3e0a-1111-4222-8333-444455556666";
  a.users["alice@pve"].tokens.ci = { secret, privsep: true, expire: 0 };
  const now = Date.UTC(2026, 0, 1);
  for (
    const h of [
      `PVEAPIToken=alice@pve!ci=${secret}`,
      `PVEAPIToken alice@pve!ci=${secret}`,
      `PVEAPIToken=alice%40pve!ci=${secret}`,
    ]
  ) {
    assertEquals(authenticateApiToken(a, h, now), { authid: "alice@pve!ci" }, h);
  }
  const reason = (h: string | null) => {
    const r = verifyApiToken(a, h, now);
    return "error" in r ? r.error : "ok";
  };
  assertEquals(reason(null), "No ticket");
  assertEquals(reason(`PVEAPIToken=alice@pve!ci=wrong`), "invalid token value!");
  assertEquals(reason(`PVEAPIToken=alice@pve!cx=${secret}`), "no such token 'cx' for user 'alice@pve'");
  assertEquals(reason(`PVEAPIToken=ghost@pve!ci=${secret}`), "no such user ('ghost@pve')");
  assertEquals(
    reason(`PVEAPIToken=alice@pve=${secret}`),
    "'alice@pve' is not a valid token ID - not able to split into user and token parts",
  );
  a.users["alice@pve"].tokens.ci.expire = now / 1000 - 1;
  assertEquals(reason(`PVEAPIToken=alice@pve!ci=${secret}`), "token 'ci' access expired");
  a.users["alice@pve"].enable = false;
  assertEquals(reason(`PVEAPIToken=alice@pve!ci=${secret}`), "user 'alice@pve' is disabled");
});

Deno.test("ACL paths are normalized and checked as PVE does", () => {
  assertEquals(normalizeAclPath("vms//100/"), "/vms/100");
  assertEquals(normalizeAclPath("/a b"), undefined);
  for (
    const p of [
      "/",
      "/vms/100",
      "/storage/local-lvm",
      "/sdn/zones/localnetwork/vmbr0/10",
      "/pool/a/b/c",
      "/nodes/pve1",
    ]
  ) {
    assert(isValidAclPath(p), p);
  }
  for (const p of ["/vms/99", "/vm", "/pool/a/b/c/d", "/sdn/zones/z/b/0", "/foo"]) {
    assert(!isValidAclPath(p), p);
  }
});
