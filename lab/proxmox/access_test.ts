import { assert, assertEquals } from "../../tests/testing.ts";
import { authenticateApiToken, effectivePrivileges, emptyAccess, PRIVILEGES } from "./access.ts";
import { runPveum } from "./pveum.ts";

const APIDATA = new URL("../../../shared/specs/proxmox/apidata.js", import.meta.url);

/** Privileges PVE checks in code paths rather than in the schema's permission entries. */
const CHECKED_IN_CODE = ["Permissions.Modify", "SDN.Use", "VM.Backup"];

Deno.test("the privilege model matches every privilege apidata.js checks", () => {
  const text = Deno.readTextFileSync(APIDATA);
  const tree = JSON.parse(text.slice(text.indexOf("["), text.lastIndexOf("]") + 1));
  const seen = new Set<string>();
  const walkCheck = (c: unknown): void => {
    if (Array.isArray(c)) {
      if (c[0] === "perm" && Array.isArray(c[2])) c[2].forEach((p) => typeof p === "string" && seen.add(p));
      c.forEach(walkCheck);
    } else if (c && typeof c === "object") Object.values(c).forEach(walkCheck);
  };
  const walk = (n: { info?: Record<string, { permissions?: unknown }>; children?: unknown[] }) => {
    Object.values(n.info ?? {}).forEach((i) => walkCheck(i.permissions));
    (n.children ?? []).forEach((c) => walk(c as typeof n));
  };
  tree.forEach(walk);
  assertEquals([...PRIVILEGES].filter((p) => !seen.has(p)).sort(), CHECKED_IN_CODE);
  assertEquals([...seen].filter((p) => !(PRIVILEGES as readonly string[]).includes(p)), []);
});

Deno.test("tokens: auth header forms, privilege separation intersects user and token ACLs", () => {
  const access = emptyAccess();
  const ok = (args: string[]) => assertEquals(runPveum(access, args).code, 0, args.join(" "));
  ok(["user", "add", "strata@pve"]);
  ok(["role", "add", "Prov", "--privs", "VM.Allocate,VM.Audit,Sys.Audit"]);
  ok(["role", "add", "Read", "--privs", "VM.Audit Sys.Audit"]);
  ok(["acl", "modify", "/", "--users", "strata@pve", "--roles", "Prov"]);
  const token = JSON.parse(
    runPveum(access, ["user", "token", "add", "strata@pve", "tk", "--output-format", "json"]).stdout,
  );
  assertEquals(token["full-tokenid"], "strata@pve!tk");
  assertEquals(token.info.privsep, 1);
  assertEquals(
    effectivePrivileges(access, "strata@pve!tk", "/vms/100").size,
    0,
    "privsep token without ACL has nothing",
  );
  ok(["aclmod", "/vms", "--tokens", "strata@pve!tk", "--roles", "Read"]);
  assertEquals([...effectivePrivileges(access, "strata@pve!tk", "/vms/100")].sort(), [
    "Sys.Audit",
    "VM.Audit",
  ]);
  assertEquals(
    effectivePrivileges(access, "strata@pve!tk", "/nodes/pve1").size,
    0,
    "outside the token's ACL path",
  );
  assert(effectivePrivileges(access, "strata@pve", "/vms/100").has("VM.Allocate"));
  for (const sep of ["=", " "]) {
    assertEquals(authenticateApiToken(access, `PVEAPIToken${sep}strata@pve!tk=${token.value}`), {
      authid: "strata@pve!tk",
    });
  }
  assertEquals(authenticateApiToken(access, `PVEAPIToken=strata@pve!tk=wrong`), null);
});

Deno.test("pveum fails as pveum does", () => {
  const access = emptyAccess();
  const cases: [string[], string][] = [
    [["user", "token", "add", "ghost@pve", "tk"], "no such user ('ghost@pve')\n"],
    [["role", "add", "X", "--privs", "VM.Allocate,VM.Fly"], "invalid privilege 'VM.Fly'\n"],
    [
      ["user", "add", "not-a-userid"],
      "400 Parameter verification failed.\nuserid: value 'not-a-userid' does not look like a valid user id\n",
    ],
    [["role", "delete", "Administrator"], "cannot delete special role 'Administrator'\n"],
    [["frobnicate", "now"], "unknown command 'pveum frobnicate now'\n"],
  ];
  for (const [args, stderr] of cases) assertEquals(runPveum(access, args), { code: 255, stdout: "", stderr });
  runPveum(access, ["user", "add", "a@pve"]);
  runPveum(access, ["user", "token", "add", "a@pve", "tk"]);
  assertEquals(runPveum(access, ["user", "token", "add", "a@pve", "tk"]).stderr, "Token already exists.\n");
});
