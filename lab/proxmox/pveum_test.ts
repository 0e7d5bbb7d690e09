import { assert, assertEquals } from "../../tests/testing.ts";
import { type AccessState, effectivePrivileges, emptyAccess } from "./access.ts";
import { pveumCommands, runPveum } from "./pveum.ts";
import type { CliCommand, CliTree } from "./pveum_cli.ts";

const APIDATA = new URL("../../../shared/specs/proxmox/apidata.js", import.meta.url);
const SECRET = "0d8c3a4e-6a5b-4f1e-9d2c-7b8a9c0d1e2f";

type ApiNode = { path: string; info?: Record<string, ApiInfo>; children?: ApiNode[] };
type ApiInfo = {
  parameters: { properties?: Record<string, Record<string, unknown>> };
  returns: Record<string, unknown>;
};

function apiMethod(api: string): ApiInfo {
  const text = Deno.readTextFileSync(APIDATA);
  const tree: ApiNode[] = JSON.parse(text.slice(text.indexOf("["), text.lastIndexOf("]") + 1));
  const [verb, path] = api.split(" ");
  const find = (nodes: ApiNode[]): ApiNode | undefined => {
    for (const n of nodes) {
      if (n.path === path) return n;
      const f = find(n.children ?? []);
      if (f) return f;
    }
  };
  const info = find(tree)?.info?.[verb];
  if (!info) throw new Error(`${api} is not in apidata.js`);
  return info;
}

/** The keys of a schema the emulator models (documentation keys dropped). */
function modelled(schema: Record<string, unknown>): Record<string, unknown> {
  const keep = [
    "type",
    "optional",
    "format",
    "pattern",
    "maxLength",
    "minLength",
    "minimum",
    "enum",
    "requires",
  ];
  return Object.fromEntries(Object.entries(schema).filter(([k]) => keep.includes(k)).sort());
}

function commandsOf(tree: CliTree, prefix = "pveum"): [string, CliCommand][] {
  return Object.entries(tree).flatMap(([k, d]) => {
    if ("method" in d) return [[`${prefix} ${k}`, d as CliCommand]];
    if ("alias" in d || "notEmulated" in d) return [];
    return commandsOf(d as CliTree, `${prefix} ${k}`);
  });
}

Deno.test("every emulated pveum command takes exactly the parameters of its API method in apidata.js", () => {
  for (const [name, command] of commandsOf(pveumCommands(emptyAccess()))) {
    const spec = apiMethod(command.method.api).parameters.properties ?? {};
    const ours = command.method.parameters;
    // `pveum user token permissions` joins userid and tokenid into the API's userid
    const expected: Record<string, Record<string, unknown>> = name === "pveum user token permissions"
      ? {
        path: spec.path,
        userid: { type: "string", format: "pve-userid", maxLength: 64 },
        tokenid: apiMethod("POST /access/users/{userid}/token/{tokenid}").parameters.properties!.tokenid,
      }
      : spec;
    assertEquals(Object.keys(ours).sort(), Object.keys(expected).sort(), name);
    for (const k of Object.keys(ours)) {
      assertEquals(
        modelled(ours[k] as unknown as Record<string, unknown>),
        modelled(expected[k]!),
        `${name} --${k}`,
      );
    }
  }
});

Deno.test("results are printed with the columns and types of the API's return schema", () => {
  const shape = (s: Record<string, unknown> | undefined): unknown => {
    if (!s) return undefined;
    const props = (s.items as Record<string, unknown> | undefined)?.properties ?? s.properties;
    return {
      type: s.type,
      props: props && Object.fromEntries(
        Object.entries(props as Record<string, Record<string, unknown>>).sort().map((
          [k, v],
        ) => [k, [v.type, !!v.optional]]),
      ),
    };
  };
  for (const [name, command] of commandsOf(pveumCommands(emptyAccess()))) {
    assertEquals(
      shape(command.method.returns as Record<string, unknown>),
      shape(apiMethod(command.method.api).returns),
      name,
    );
  }
});

function pveum(access: AccessState, ...args: string[]) {
  return runPveum(access, args, { newSecret: () => SECRET });
}

Deno.test("text, json, json-pretty and ASCII output as pveum prints them", () => {
  const a = emptyAccess();
  assertEquals(pveum(a, "user", "add", "strata@pve", "--comment", "strata"), {
    code: 0,
    stdout: "",
    stderr: "",
  });
  assertEquals(
    pveum(a, "user", "token", "add", "strata@pve", "ci", "--privsep", "1").stdout,
    [
      "┌──────────────┬──────────────────────────────────────┐",
      "│ key          │ value                                │",
      "╞══════════════╪══════════════════════════════════════╡",
      "│ full-tokenid │ strata@pve!ci                        │",
      "├──────────────┼──────────────────────────────────────┤",
      '│ info         │ {"privsep":1}                        │',
      "├──────────────┼──────────────────────────────────────┤",
      `│ value        │ ${SECRET} │`,
      "└──────────────┴──────────────────────────────────────┘",
      "",
    ].join("\n"),
  );
  const json = JSON.parse(
    pveum(a, "user", "token", "add", "strata@pve", "csi", "--comment", "x", "--output-format", "json").stdout,
  );
  assertEquals(json, { "full-tokenid": "strata@pve!csi", info: { comment: "x", privsep: 1 }, value: SECRET });
  assertEquals(
    pveum(a, "user", "token", "list", "strata@pve", "--output-format", "json").stdout,
    '[{"expire":0,"privsep":1,"tokenid":"ci"},{"comment":"x","expire":0,"privsep":1,"tokenid":"csi"}]\n',
  );
  assertEquals(
    pveum(a, "user", "list", "--output-format", "json-pretty", "--enabled", "1").stdout,
    '[\n   {\n      "email" : "root@localhost",\n      "enable" : 1,\n      "expire" : 0,\n      "realm-type" : "pam",\n' +
      '      "userid" : "root@pam"\n   },\n   {\n      "comment" : "strata",\n      "email" : "",\n      "enable" : 1,\n' +
      '      "expire" : 0,\n      "realm-type" : "pve",\n      "userid" : "strata@pve"\n   }\n]\n',
  );
  const ascii = runPveum(a, ["user", "token", "list", "strata@pve"], { utf8: false }).stdout;
  assertEquals(
    ascii,
    [
      "+---------+---------+--------+---------+",
      "| tokenid | comment | expire | privsep |",
      "+=========+=========+========+=========+",
      "| ci      |         |      0 | 1       |",
      "+---------+---------+--------+---------+",
      "| csi     | x       |      0 | 1       |",
      "+---------+---------+--------+---------+",
      "",
    ].join("\n"),
  );
  assertEquals(
    pveum(a, "user", "token", "list", "strata@pve", "--noborder", "--noheader").stdout,
    "ci                   0 1\ncsi     x            0 1\n",
  );
  const full = JSON.parse(pveum(a, "user", "list", "--full", "1", "--output-format", "json").stdout);
  assertEquals([full[0].tokens, full[0].groups, full[1].tokens.length], [null, "", 2]);
});

Deno.test("pveum fails as pveum does: message, usage for parameter errors, exit 255, nothing changed", () => {
  const a = emptyAccess();
  pveum(a, "user", "add", "strata@pve");
  pveum(a, "user", "token", "add", "strata@pve", "ci");
  pveum(a, "role", "add", "Mine", "--privs", "VM.Audit");
  const cases: [string[], string][] = [
    [["user", "add", "strata@pve"], "create user failed: user 'strata@pve' already exists\n"],
    [["user", "token", "add", "ghost@pve", "ci"], "no such user ('ghost@pve')\n"],
    [
      ["user", "token", "add", "strata@pve", "ci"],
      "400 Parameter verification failed.\ntokenid: Token already exists.\n" +
      "pveum user token add <userid> <tokenid> [OPTIONS] [FORMAT_OPTIONS]\n",
    ],
    [
      ["role", "add", "X", "--privs", "VM.Allocate,VM.Fly"],
      "400 Parameter verification failed.\nprivs: invalid format - invalid privilege 'VM.Fly'\n\n" +
      "pveum role add <roleid> [OPTIONS]\n",
    ],
    [
      ["role", "add", "PVEMine"],
      "400 Parameter verification failed.\nroleid: cannot use role ID starting with the (case-insensitive) 'PVE' namespace\n" +
      "pveum role add <roleid> [OPTIONS]\n",
    ],
    [["role", "add", "Administrator"], "create role failed: role 'Administrator' already exists\n"],
    [
      ["role", "modify", "PVEAdmin", "--privs", "VM.Audit"],
      "auto-generated role 'PVEAdmin' cannot be modified\n",
    ],
    [["role", "delete", "Gone"], "delete role failed: role 'Gone' does not exist\n"],
    [
      ["user", "add", "no-realm"],
      "400 Parameter verification failed.\nuserid: invalid format - value 'no-realm' does not look like a valid user name\n\n" +
      "pveum user add <userid> [OPTIONS]\n",
    ],
    [
      ["user", "token", "add", "strata@pve", "1bad"],
      "400 Parameter verification failed.\ntokenid: value does not match the regex pattern\n" +
      "pveum user token add <userid> <tokenid> [OPTIONS] [FORMAT_OPTIONS]\n",
    ],
    [["user", "token", "remove", "strata@pve", "nope"], "no such token 'nope' for user 'strata@pve'\n"],
    [
      ["acl", "modify", "/", "--users", "ghost@pve", "--roles", "Mine"],
      "ACL update failed: user 'ghost@pve' does not exist\n",
    ],
    [
      ["aclmod", "/", "--tokens", "strata@pve!nope", "--roles", "Mine"],
      "ACL update failed: no such token 'nope' for user 'strata@pve'\n",
    ],
    [
      ["acl", "modify", "/", "--users", "strata@pve", "--roles", "Mine,Gone"],
      "ACL update failed: role 'Gone' does not exist\n",
    ],
    [
      ["user", "token", "add", "strata@pve", "x", "--privsep", "maybe"],
      "400 unable to parse boolean option\npveum user token add <userid> <tokenid> [OPTIONS] [FORMAT_OPTIONS]\n",
    ],
    [
      ["user", "add", "a@pve", "--frobnicate", "1"],
      "Unknown option: frobnicate\n400 unable to parse option\npveum user add <userid> [OPTIONS]\n",
    ],
    [
      ["user", "add", "a@pve", "--e", "x"],
      "Option e is ambiguous (email, enable, expire)\n400 unable to parse option\npveum user add <userid> [OPTIONS]\n",
    ],
    [["user", "add", "a@pve", "b@pve"], "400 too many arguments\npveum user add <userid> [OPTIONS]\n"],
    [
      ["user", "token", "list"],
      "400 not enough arguments\npveum user token list <userid> [FORMAT_OPTIONS]\n",
    ],
    [
      ["user", "add", "a@pve", "--expire", "soon"],
      "400 Parameter verification failed.\nexpire: type check ('integer') failed - got 'soon'\npveum user add <userid> [OPTIONS]\n",
    ],
    [["realm", "list"], "lab: 'pveum realm' is not emulated\n"],
  ];
  const before = JSON.stringify(a);
  for (const [args, stderr] of cases) {
    assertEquals(pveum(a, ...args), { code: 255, stdout: "", stderr }, args.join(" "));
  }
  assertEquals(JSON.stringify(a), before, "failed commands change nothing");
  const unknown = pveum(a, "frobnicate", "now");
  assert(
    unknown.stderr.startsWith(
      "ERROR: unknown command 'pveum frobnicate'\nUSAGE: pveum <COMMAND> [ARGS] [OPTIONS]\n\n",
    ),
  );
  assert(
    unknown.stderr.includes("       pveum user token add <userid> <tokenid> [OPTIONS] [FORMAT_OPTIONS]\n"),
  );
  assertEquals(pveum(a, "user").stderr.split("\n")[0], "ERROR: incomplete command 'pveum user'");
  // PVE does not check that a deleted user exists
  assertEquals(pveum(a, "user", "delete", "nobody@pve").code, 0);
});

Deno.test("command prefixes, aliases, option abbreviations, inline values and case are accepted as Getopt does", () => {
  const a = emptyAccess();
  assertEquals(pveum(a, "useradd", "strata@pve", "--COMMENT=first").code, 0);
  assertEquals(pveum(a, "us", "tok", "add", "strata@pve", "nosep", "-priv", "0", "--out", "json").code, 0);
  assertEquals(a.users["strata@pve"].comment, "first");
  assertEquals(a.users["strata@pve"].tokens.nosep.privsep, false);
  assertEquals(pveum(a, "roleadd", "R", "--privs", "VM.Audit;Sys.Audit VM.Audit").code, 0);
  assertEquals(a.roles.R, ["Sys.Audit", "VM.Audit"]);
  assertEquals(pveum(a, "aclmod", "/", "-users", "strata@pve", "-roles", "R", "-propagate").code, 0);
  assertEquals(a.acl, [{ path: "/", type: "user", ugid: "strata@pve", roleid: "R", propagate: true }]);
  assertEquals([...effectivePrivileges(a, "strata@pve!nosep", "/vms/100")].sort(), ["Sys.Audit", "VM.Audit"]);
  assertEquals(pveum(a, "acldel", "/", "--users", "strata@pve", "--roles", "R").code, 0);
  assertEquals(a.acl, []);
  assertEquals(pveum(a, "user", "token", "remove", "strata@pve", "nosep").code, 0);
  assertEquals(a.users["strata@pve"].tokens, {});
});

Deno.test("user permissions: the path table with propagate marks, or the map", () => {
  const a = emptyAccess();
  pveum(a, "user", "add", "strata@pve");
  pveum(a, "role", "add", "R", "--privs", "VM.Audit,VM.PowerMgmt");
  pveum(a, "acl", "modify", "/vms", "--users", "strata@pve", "--roles", "R", "--propagate", "0");
  assertEquals(
    pveum(a, "user", "permissions", "strata@pve").stdout,
    [
      "┌──────────┬──────────────┐",
      "│ ACL path │ Permissions  │",
      "╞══════════╪══════════════╡",
      "│ /vms     │ VM.Audit     │",
      "│          │ VM.PowerMgmt │",
      "└──────────┴──────────────┘",
      "Permissions marked with '(*)' have the 'propagate' flag set.",
      "",
    ].join("\n"),
  );
  assertEquals(
    pveum(a, "user", "permissions", "strata@pve", "--path", "/vms/100", "--output-format", "json").stdout,
    '{"/vms/100":{}}\n',
  );
});
