import { assert, assertEquals, assertRejects } from "../../tests/testing.ts";
import { ScaledClock } from "../clock/clock.ts";
import { TransientError } from "../errors.ts";
import { certificateFingerprint, createCa, encodePrivateKeyPem, issueServerCertificate } from "../pki/mod.ts";
import { ProxmoxApiError, ProxmoxClient, type ProxmoxClientOptions, ProxmoxTaskError } from "./client.ts";
import { isTransientProxmoxError, ProxmoxTlsError } from "./errors.ts";

const SECRET = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

/** An HTTPS stub of a Proxmox host on loopback: `handler` answers, every request is recorded. */
async function stub(handler: (req: Request, n: number) => Response | Promise<Response>) {
  const ca = await createCa({ keyType: "ecdsa-p256", subject: { commonName: "stub PVE root CA" } });
  const leaf = await issueServerCertificate({ ca, ipAddresses: ["127.0.0.11"], dnsNames: ["pve1"] });
  const seen: { method: string; path: string; auth: string | null; type: string | null; body: string }[] = [];
  const server = Deno.serve({
    hostname: "127.0.0.11",
    port: 0,
    cert: leaf.certificate,
    key: encodePrivateKeyPem(leaf.privateKey),
    onListen() {},
  }, async (req) => {
    const url = new URL(req.url);
    seen.push({
      method: req.method,
      path: url.pathname + url.search,
      auth: req.headers.get("authorization"),
      type: req.headers.get("content-type"),
      body: await req.text(),
    });
    return handler(req, seen.length);
  });
  const clients: ProxmoxClient[] = [];
  return {
    seen,
    caPem: ca.certificate,
    fingerprint: certificateFingerprint(leaf.certificate),
    client(options: Partial<ProxmoxClientOptions> = {}) {
      const c = new ProxmoxClient({
        baseUrl: `https://127.0.0.11:${server.addr.port}`,
        tokenId: "strata@pve!strata",
        secret: SECRET,
        caPem: ca.certificate,
        clock: new ScaledClock(1000),
        ...options,
      });
      clients.push(c);
      return c;
    },
    async close() {
      clients.forEach((c) => c.close());
      await server.shutdown();
    },
  };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

Deno.test("requests carry the PVEAPIToken header; bodies are form-encoded with booleans as 1/0", async () => {
  const s = await stub(() =>
    json(200, { data: "UPID:pve1:00000001:00000002:00000003:qmcreate:101:strata@pve!strata:" })
  );
  try {
    const pve = s.client();
    await pve.post("/nodes/pve1/qemu", {
      vmid: 101,
      onboot: true,
      start: false,
      name: "cp 1",
      skipped: undefined,
    });
    await pve.get("/nodes/pve1/storage/local/content", { content: "import" });
    assertEquals(s.seen[0].auth, `PVEAPIToken=strata@pve!strata=${SECRET}`);
    assertEquals(s.seen[0].type, "application/x-www-form-urlencoded");
    assertEquals(s.seen[0].body, "vmid=101&onboot=1&start=0&name=cp+1");
    assertEquals(s.seen[1].path, "/api2/json/nodes/pve1/storage/local/content?content=import");
  } finally {
    await s.close();
  }
});

Deno.test("TLS: only the given CA is trusted; a pinned fingerprint must match before the token is sent", async () => {
  const s = await stub(() => json(200, { data: { version: "9.1.3" } }));
  try {
    assertEquals((await s.client().get<{ version: string }>("/version")).version, "9.1.3");
    const other = await createCa({ keyType: "ecdsa-p256", subject: { commonName: "someone else" } });
    await assertRejects(() => s.client({ caPem: other.certificate }).get("/version"), (e) => {
      assert(e instanceof ProxmoxTlsError, String(e));
      assert(!isTransientProxmoxError(e));
    });
    const pinned = s.client({ caPem: undefined, fingerprint: s.fingerprint.toLowerCase() });
    assertEquals((await pinned.get<{ version: string }>("/version")).version, "9.1.3");
    const before = s.seen.length;
    const wrong = s.client({ caPem: undefined, fingerprint: "AA:".repeat(31) + "AA" });
    await assertRejects(() => wrong.get("/version"), (e) => assert(e instanceof ProxmoxTlsError, String(e)));
    assertEquals(
      s.seen.length,
      before,
      "no request (and no token) reached a server with the wrong certificate",
    );
    const insecure = s.client({ caPem: undefined, insecure: true });
    assertEquals((await insecure.get<{ version: string }>("/version")).version, "9.1.3");
  } finally {
    await s.close();
  }
});

Deno.test("API errors keep PVE's message and per-parameter errors, and never show the token secret", async () => {
  const s = await stub((req) =>
    new URL(req.url).pathname.endsWith("/qemu")
      ? json(400, {
        data: null,
        errors: { vmid: "type check ('integer') failed - got 'abc'" },
        message: "Parameter verification failed.\n",
      })
      : json(500, { data: null, message: `bad header ${req.headers.get("authorization")}\n` })
  );
  try {
    const pve = s.client();
    await assertRejects(() => pve.post("/nodes/pve1/qemu", { vmid: "abc" }), (e) => {
      assert(e instanceof ProxmoxApiError);
      assertEquals([e.status, e.reason], [400, "Parameter verification failed."]);
      assertEquals(e.errors, { vmid: "type check ('integer') failed - got 'abc'" });
      assert(e.message.includes("vmid: type check ('integer') failed - got 'abc'"), e.message);
    });
    await assertRejects(() => pve.get("/version"), (e) => assert(!String(e).includes(SECRET), String(e)));
  } finally {
    await s.close();
  }
});

Deno.test("retries: 503, 595 and lock timeouts are retried a bounded number of times; 400/403/500 are not", async () => {
  const answers = [
    json(503, { data: null }),
    json(595, { data: null }),
    json(500, {
      data: null,
      message: "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout\n",
    }),
    json(200, { data: "ok" }),
  ];
  const s = await stub((_, n) =>
    answers[n - 1] ?? json(403, { data: null, message: "Permission check failed\n" })
  );
  try {
    assertEquals(await s.client({ attempts: 4 }).get("/version"), "ok");
    assertEquals(s.seen.length, 4);
    await assertRejects(
      () => s.client({ attempts: 4 }).get("/version"),
      (e) => assertEquals((e as ProxmoxApiError).status, 403),
    );
    assertEquals(s.seen.length, 5, "403 is not retried");
  } finally {
    await s.close();
  }
  const down = await stub(() => json(503, { data: null }));
  try {
    await assertRejects(
      () => down.client({ attempts: 3 }).get("/version"),
      (e) => assert(e instanceof TransientError, String(e)),
    );
    assertEquals(down.seen.length, 3);
  } finally {
    await down.close();
  }
});

Deno.test("retry classification", () => {
  const api = (status: number, reason: string) => new ProxmoxApiError("POST", "/x", status, reason);
  assert(
    isTransientProxmoxError(api(500, "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout")),
  );
  for (const s of [502, 503, 595]) assert(isTransientProxmoxError(api(s, "x")), String(s));
  assert(isTransientProxmoxError(new TypeError("error sending request: connection reset")));
  assert(isTransientProxmoxError(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })));
  assert(
    isTransientProxmoxError(
      new ProxmoxTaskError("UPID:x", "can't lock file '/var/lock/qemu-server/lock-1.conf' - got timeout", []),
    ),
  );
  assert(!isTransientProxmoxError(new ProxmoxTaskError("UPID:x", "VM 101 already running", [])));
  for (
    const [s, r] of [[400, "Parameter verification failed."], [401, "authentication failure"], [
      403,
      "Permission check failed",
    ], [500, "VM 101 already running"]] as const
  ) {
    assert(!isTransientProxmoxError(api(s, r)), `${s} ${r}`);
  }
});

const UPID = "UPID:pve1:00000FA1:0000135D:6B02F380:qmstart:101:strata@pve!strata:";

function taskStub(exitstatuses: string[], pollsUntilDone = 3) {
  let polls = 0;
  let task = 0;
  return (req: Request) => {
    const path = new URL(req.url).pathname;
    if (req.method === "POST") {
      task++;
      polls = 0;
      return json(200, { data: UPID });
    }
    if (path.endsWith("/status")) {
      polls++;
      const done = polls >= pollsUntilDone;
      return json(200, {
        data: {
          upid: UPID,
          status: done ? "stopped" : "running",
          ...(done ? { exitstatus: exitstatuses[task - 1] } : {}),
        },
      });
    }
    return json(200, {
      data: [
        { n: 1, t: "generating cloud-init ISO" },
        { n: 2, t: "kvm: -drive …: Could not open '/dev/pve/vm-101-disk-0': No such file" },
        { n: 3, t: `TASK ERROR: ${exitstatuses[task - 1]}` },
      ],
    });
  };
}

Deno.test("tasks: polled until stopped; OK and WARNINGS succeed; an error carries the task log's tail", async () => {
  const s = await stub(taskStub(["OK", "WARNINGS: 2", "start failed: QEMU exited with code 1"]));
  try {
    const pve = s.client();
    assertEquals((await pve.runTask("pve1", "POST", "/nodes/pve1/qemu/101/status/start")).exitstatus, "OK");
    assertEquals(s.seen.filter((r) => r.path.endsWith("/status")).length, 3, "polled until stopped");
    assertEquals(
      (await pve.runTask("pve1", "POST", "/nodes/pve1/qemu/101/status/start")).exitstatus,
      "WARNINGS: 2",
    );
    await assertRejects(() => pve.runTask("pve1", "POST", "/nodes/pve1/qemu/101/status/start"), (e) => {
      assert(e instanceof ProxmoxTaskError, String(e));
      assertEquals(e.exitstatus, "start failed: QEMU exited with code 1");
      assertEquals(e.logTail.at(-2), "kvm: -drive …: Could not open '/dev/pve/vm-101-disk-0': No such file");
      assert(e.message.includes("Could not open"), e.message);
    });
    assert(s.seen.some((r) => r.path.includes("/log?start=0&limit=0")), "the whole log is read for its tail");
  } finally {
    await s.close();
  }
});

Deno.test("tasks: one that lost a VM lock race is started again", async () => {
  const s = await stub(
    taskStub(["can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout", "OK"], 1),
  );
  try {
    assertEquals(
      (await s.client({ attempts: 3 }).runTask("pve1", "POST", "/nodes/pve1/qemu/101/status/start"))
        .exitstatus,
      "OK",
    );
    assertEquals(s.seen.filter((r) => r.method === "POST").length, 2);
  } finally {
    await s.close();
  }
});
