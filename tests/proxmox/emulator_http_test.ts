/**
 * The emulator at the HTTP level, as pve-http-server answers: status lines, bodies, the order of
 * authentication, method lookup, permission check, proxying and parameter validation.
 */
import { assert, assertEquals } from "../testing.ts";
import { createTransport } from "../../lib/proxmox/transport.ts";
import { type LabHost, labHost } from "./lab_host.ts";

/** A raw request (status line included) with the provisioner's token unless `auth` says otherwise. */
async function raw(
  t: LabHost,
  method: string,
  path: string,
  options: { auth?: string | null; body?: string; type?: string } = {},
) {
  const transport = createTransport({ fingerprint: t.emu.fingerprint });
  const auth = options.auth === undefined ? `PVEAPIToken=strata@pve!prov=${t.tokens.prov}` : options.auth;
  const res = await transport.send(`${t.emu.url}${path}`, {
    method,
    headers: {
      ...(auth ? { authorization: auth } : {}),
      ...(options.body !== undefined
        ? { "content-type": options.type ?? "application/x-www-form-urlencoded" }
        : {}),
    },
    body: options.body,
  });
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch { /* not JSON */ }
  return { ...res, json };
}

Deno.test("authentication comes first: no token, a wrong token, a ticket cookie → 401 with PVE's status line", async () => {
  const t = await labHost();
  try {
    const none = await raw(t, "GET", "/api2/json/version", { auth: null });
    assertEquals([none.status, none.statusText, none.body], [401, "No ticket", ""]);
    const wrong = await raw(t, "GET", "/api2/json/version", {
      auth: "PVEAPIToken=strata@pve!prov=00000000-0000-0000-0000-000000000000",
    });
    assertEquals([wrong.status, wrong.statusText], [401, "Authentication failed!"]);
    // even for paths that do not exist
    assertEquals((await raw(t, "GET", "/api2/json/frobnicate", { auth: null })).status, 401);
    const cookie = await raw(t, "GET", "/api2/json/version", {
      auth: "PVEAuthCookie=PVE:root@pam:1234::sig",
    });
    assertEquals([cookie.status, cookie.statusText], [401, "Authentication failed!"]);
    // the token value may follow a space instead of '='
    assertEquals(
      (await raw(t, "GET", "/api2/json/version", { auth: `PVEAPIToken strata@pve!prov=${t.tokens.prov}` }))
        .status,
      200,
    );
  } finally {
    await t.close();
  }
});

Deno.test("unknown methods: 501 \"Method '…' not implemented\" in the JSON envelope; other URIs as pve-http-server", async () => {
  const t = await labHost();
  try {
    const r = await raw(t, "GET", "/api2/json/nodes/pve1/frobnicate");
    assertEquals(r.status, 501);
    assertEquals(r.statusText, "Method 'GET /nodes/pve1/frobnicate' not implemented");
    assertEquals(r.json, { data: null, message: "Method 'GET /nodes/pve1/frobnicate' not implemented" });
    assertEquals((await raw(t, "DELETE", "/api2/json/version")).status, 501);
    assertEquals((await raw(t, "GET", "/api2")).statusText, "no such uri");
    assertEquals(
      (await raw(t, "GET", "/api2/extjs/version")).statusText,
      "no formatter for uri /version, extjs",
    );
  } finally {
    await t.close();
  }
});

Deno.test("400: per-parameter errors with PVE's messages, body {data: null, errors, message}", async () => {
  const t = await labHost();
  try {
    const cases: [string, string, string, Record<string, string>][] = [
      ["POST", "/nodes/pve1/qemu", "vmid=abc", { vmid: "type check ('integer') failed - got 'abc'" }],
      ["POST", "/nodes/pve1/qemu", "", { vmid: "property is missing and it is not optional" }],
      ["POST", "/nodes/pve1/qemu", "vmid=1101&cpus=2", {
        cpus: "property is not defined in schema and the schema does not allow additional properties",
      }],
      ["POST", "/nodes/pve1/qemu", "vmid=1101&onboot=true", {
        onboot: "type check ('boolean') failed - got 'true'",
      }],
      ["POST", "/nodes/pve1/qemu", "vmid=1101&net0=virtio%2Cbridge%3Dvmbr0%2Cspeed%3D10", {
        net0:
          "invalid format - format error\nnet0.speed: property is not defined in schema and the schema does not allow additional properties\n",
      }],
      ["POST", "/nodes/pve1/qemu/1101/status/start", "timeout=soon", {
        timeout: "type check ('integer') failed - got 'soon'",
      }],
      ["GET", "/nodes/pve1/storage/local/content?content=movies", "", {
        content: "invalid format - invalid content type 'movies'\n",
      }],
      ["POST", "/nodes/pve1/storage/local/download-url", "url=ftp%3A%2F%2Fx&content=import&filename=a.raw", {
        url: "value does not match the regex pattern",
      }],
      ["PUT", "/nodes/pve1/qemu/1101/resize", "disk=scsi0&size=10GB", {
        size: "value does not match the regex pattern",
      }],
      // body and URI disagree on a path parameter
      ["POST", "/nodes/pve1/qemu/1101/config", "vmid=1102&cores=2", {
        vmid: "duplicate parameter (already defined in URI) with conflicting values!",
      }],
    ];
    for (const [method, path, body, errors] of cases) {
      const r = await raw(t, method, `/api2/json${path}`, method === "GET" ? {} : { body });
      assertEquals(
        [r.status, r.statusText],
        [400, "Parameter verification failed."],
        `${method} ${path} ${body}`,
      );
      assertEquals(
        r.json,
        { data: null, errors, message: "Parameter verification failed.\n" },
        `${method} ${path}`,
      );
    }
  } finally {
    await t.close();
  }
});

Deno.test("JSON bodies are typed as PVE decodes them; the query string wins over the body", async () => {
  const t = await labHost();
  try {
    const json = (value: unknown) =>
      raw(t, "POST", "/api2/json/nodes/pve1/qemu", { body: JSON.stringify(value), type: "application/json" });
    assertEquals((await json({ vmid: 1101, cores: true })).json, {
      data: null,
      errors: { cores: "type check ('integer') failed - got JSON::PP::Boolean" },
      message: "Parameter verification failed.\n",
    });
    assertEquals(((await json({ vmid: 1101, name: ["a"] })).json as { errors: unknown }).errors, {
      name: "type check ('string') failed - got ARRAY",
    });
    const query = await raw(t, "POST", "/api2/json/nodes/pve1/qemu?vmid=abc", { body: "vmid=1101" });
    assertEquals((query.json as { errors: unknown }).errors, {
      vmid: "type check ('integer') failed - got 'abc'",
    });
  } finally {
    await t.close();
  }
});

Deno.test("403: the endpoint's permission check runs before validation, with PVE's message", async () => {
  const t = await labHost();
  try {
    const auditor = `PVEAPIToken=auditor@pve!audit=${t.tokens.audit}`;
    const start = await raw(t, "POST", "/api2/json/nodes/pve1/qemu/1101/status/start", {
      auth: auditor,
      body: "timeout=soon",
    });
    assertEquals([start.status, start.statusText], [
      403,
      "Permission check failed (/vms/1101, VM.PowerMgmt)",
    ]);
    assertEquals(start.json, { data: null, message: "Permission check failed (/vms/1101, VM.PowerMgmt)\n" });
    // create checks VM.Allocate in code and raises without details
    const create = await raw(t, "POST", "/api2/json/nodes/pve1/qemu", { auth: auditor, body: "vmid=1101" });
    assertEquals([create.status, create.json], [403, { data: null, message: "Permission check failed\n" }]);
    // download-url: Datastore.AllocateTemplate on the storage, then (Sys.Audit+Sys.Modify on /) or Sys.AccessNetwork
    const dl = await raw(t, "POST", "/api2/json/nodes/pve1/storage/local/download-url", {
      auth: auditor,
      body: "url=http%3A%2F%2F127.0.0.9%2Fa.raw&content=import&filename=a.raw",
    });
    assertEquals(dl.statusText, "Permission check failed (/storage/local, Datastore.AllocateTemplate)");
    const storage = await raw(t, "GET", "/api2/json/nodes/pve1/storage/local/status", { auth: auditor });
    assertEquals(storage.status, 200, "Datastore.Audit is enough to read a storage");
  } finally {
    await t.close();
  }
});

Deno.test("a path naming another node is proxied: an unknown node fails the host name lookup (500)", async () => {
  const t = await labHost();
  try {
    const r = await raw(t, "GET", "/api2/json/nodes/pve9/qemu");
    assertEquals(r.status, 500);
    assertEquals(r.json, {
      data: null,
      message:
        "hostname lookup 'pve9' failed - failed to get address info for: pve9: Name or service not known\n",
    });
  } finally {
    await t.close();
  }
});

Deno.test("parameters PVE accepts but the lab does not emulate are refused loudly, never ignored", async () => {
  const t = await labHost();
  try {
    const r = await raw(t, "POST", "/api2/json/nodes/pve1/qemu", {
      body: "vmid=1101&hostpci0=0000%3A01%3A00.0",
    });
    assertEquals(r.status, 501);
    assert(
      String((r.json as { message: string }).message).startsWith(
        "lab: POST /nodes/{node}/qemu parameter 'hostpci0'",
      ),
    );
  } finally {
    await t.close();
  }
});

Deno.test("successful answers: {data: …} as application/json with PVE's server header", async () => {
  const t = await labHost();
  try {
    const r = await raw(t, "GET", "/api2/json/version");
    assertEquals(r.status, 200);
    assertEquals(r.json, { data: { version: "9.1.3", release: "9.1", repoid: "e5010dce" } });
    assertEquals(t.trace.entries.at(-1)?.system, "proxmox");
    assertEquals(t.trace.entries.at(-1)?.path, "/api2/json/version");
  } finally {
    await t.close();
  }
});
