/**
 * The Talos API client against the lab's Talos emulator: maintenance mode (no client certificate),
 * configured mode (mutual TLS), refusals on both sides of the handshake, invalid configs, roles,
 * reset-after-apply, idempotent bootstrap, etcd joins, kubeconfig, and apply in configured mode.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { parse } from "yaml";
import { ApplyMode } from "../../lib/talos/api/messages.ts";
import { GrpcStatus, TalosApiError, TalosTlsError } from "../../lib/talos/api/errors.ts";
import { waitFor } from "../../lib/talos/api/wait.ts";
import { createCa, encodePrivateKeyPem, issueClientCertificate } from "../../lib/pki/mod.ts";
import { talosCertAndKey } from "../../lib/talos/secrets.ts";
import { pem, secrets, startTestLab } from "./lab.ts";

const CP1 = "10.0.1.11", CP2 = "10.0.1.12", W1 = "10.0.2.21";

Deno.test("maintenance mode: Version, ServiceList, invalid config refused with InvalidArgument, good config applied", async () => {
  const lab = await startTestLab(61);
  try {
    lab.talos.addNode({ ip: CP1 });
    await lab.waitUp(CP1, "maintenance");
    const node = lab.client(CP1);
    assert.equal((await node.version()).version?.tag, "v1.13.9");
    assert.deepEqual((await node.serviceList()).map((s) => s.id), ["apid", "machined", "udevd"]);

    // a config Talos refuses: the node's own validation message comes back, the node stays as it was
    const broken = lab.configs["cp-1"].yaml.replace("type: controlplane", "type: master");
    const err = await node.applyConfiguration(broken).catch((e) => e);
    assert.ok(err instanceof TalosApiError);
    assert.equal(err.code, GrpcStatus.INVALID_ARGUMENT);
    // as Talos: an unknown type is no control plane, so the control plane sections are refused too
    assert.equal(
      err.grpcMessage,
      "1 error occurred:\n\t* v1alpha1.Config: 3 errors occurred:\n" +
        "\t* etcd config is only allowed on control plane machines\n" +
        "\t* cluster CA key is not allowed on non-controlplane nodes (.cluster.ca)\n" +
        '\t* unknown machine type "master"\n\n\n\n',
    );
    assert.match(err.remedy ?? "", /machine config/);
    assert.equal(lab.talos.node(CP1)?.stage, "maintenance");

    // Bootstrap needs os:admin, which a maintenance-mode client does not have
    const denied = await node.bootstrap().catch((e) => e);
    assert.ok(
      denied instanceof TalosApiError && denied.code === GrpcStatus.PERMISSION_DENIED,
      String(denied),
    );

    const applied = await node.applyConfiguration(lab.configs["cp-1"].yaml);
    // in maintenance mode Talos turns REBOOT into NO_REBOOT: the install sequence reboots by itself
    assert.deepEqual(applied, {
      mode: ApplyMode.NO_REBOOT,
      modeDetails: "Applied configuration without a reboot",
      warnings: [],
      reset: false,
    });
    await lab.waitUp(CP1, "configured");
    assert.equal(lab.talos.node(CP1)?.stage, "configured");
    const traced = lab.trace.entries.filter((e) => e.path.endsWith("/ApplyConfiguration")).map((e) =>
      e.status
    );
    assert.deepEqual(traced, ["InvalidArgument", "OK"]);
    // the trace never holds the config (it carries keys)
    // deno-lint-ignore no-explicit-any
    const v1 = lab.configs["cp-1"].documents[0] as any;
    assert.ok(!JSON.stringify(lab.trace.entries).includes(v1.machine.ca.key));
    assert.ok(!JSON.stringify(lab.trace.entries).includes(v1.machine.token));
  } finally {
    await lab.close();
  }
});

Deno.test("configured mode: mTLS with the talosconfig certificate; every wrong combination is refused", async () => {
  const lab = await startTestLab(62);
  try {
    lab.talos.addNode({ ip: CP1 });
    await lab.waitUp(CP1, "maintenance");

    // configured-mode client against a maintenance node: its certificate is not from our CA
    const early = await lab.client(CP1, "admin").version().catch((e) => e);
    assert.ok(early instanceof TalosTlsError && early.kind === "server-untrusted", String(early));

    await lab.client(CP1).applyConfiguration(lab.configs["cp-1"].yaml);
    await lab.waitUp(CP1, "configured");
    const admin = lab.client(CP1, "admin");
    assert.equal((await admin.version()).version?.tag, "v1.13.9");
    assert.equal(
      new TextDecoder().decode(await admin.read("/system/state/config.yaml")),
      lab.configs["cp-1"].yaml,
    );

    // no client certificate: the configured node wants one
    const anonymous = await lab.client(CP1).version().catch((e) => e);
    assert.ok(
      anonymous instanceof TalosTlsError && anonymous.kind === "certificate-required",
      String(anonymous),
    );

    // a client certificate from another CA: refused by the node
    const other = await createCa({ keyType: "ed25519", subject: { organization: ["talos"] } });
    const stranger = await issueClientCertificate({ ca: other, organization: ["os:admin"] });
    const foreign = await lab.client(CP1, {
      ca: lab.credentials.ca,
      crt: stranger.certificate,
      key: encodePrivateKeyPem(stranger.privateKey),
    }).version().catch((e) => e);
    assert.ok(foreign instanceof TalosTlsError && foreign.kind === "client-refused", String(foreign));
    assert.match(foreign.remedy ?? "", /another Talos CA/);

    // trusting another CA: the node's certificate is refused by us
    const wrongCa = await lab.client(CP1, { ...lab.credentials, ca: other.certificate }).version().catch((
      e,
    ) => e);
    assert.ok(wrongCa instanceof TalosTlsError && wrongCa.kind === "server-untrusted", String(wrongCa));

    // the node's certificate is checked against the IP we expect it to have
    const misdirected = new (admin.constructor as typeof import("../../lib/talos/api/client.ts").TalosClient)(
      {
        node: "10.0.1.99",
        dialAddress: lab.address(CP1),
        clock: lab.clock,
        credentials: lab.credentials,
      },
    );
    const mismatch = await misdirected.version().catch((e) => e);
    misdirected.close();
    assert.ok(mismatch instanceof TalosTlsError && mismatch.kind === "name-mismatch", String(mismatch));

    // an os:reader certificate from the right CA may read but not bootstrap
    const os = talosCertAndKey(secrets.certs.os);
    const reader = await issueClientCertificate({ ca: os, organization: ["os:reader"] });
    const readerClient = lab.client(CP1, {
      ca: lab.credentials.ca,
      crt: reader.certificate,
      key: encodePrivateKeyPem(reader.privateKey),
    });
    assert.ok((await readerClient.serviceList()).length > 5);
    const denied = await readerClient.bootstrap().catch((e) => e);
    assert.ok(
      denied instanceof TalosApiError && denied.code === GrpcStatus.PERMISSION_DENIED,
      String(denied),
    );
    assert.equal(denied.grpcMessage, "not authorized");
  } finally {
    await lab.close();
  }
});

Deno.test("a connection reset right after ApplyConfiguration counts as success; the node comes back configured", async () => {
  const lab = await startTestLab(63);
  try {
    lab.talos.addNode({ ip: CP1 });
    await lab.waitUp(CP1, "maintenance");
    lab.faults.queue.push({ kind: "drop" }); // the next call: taken, then the connection breaks
    const r = await lab.client(CP1).applyConfiguration(lab.configs["cp-1"].yaml);
    assert.equal(r.reset, true);
    assert.match(r.modeDetails, /rebooting/);
    await lab.waitUp(CP1, "configured");
    assert.ok(
      lab.trace.entries.some((e) => e.path.endsWith("/ApplyConfiguration") && e.status === "Dropped"),
    );
    // a refused connection is not a reset: it is an error to retry
    const err = await lab.client("10.0.1.13").applyConfiguration(lab.configs["cp-3"].yaml).catch((e) => e);
    assert.ok(err instanceof Error && /ECONNREFUSED|Unavailable/.test(err.message), String(err));
  } finally {
    await lab.close();
  }
});

Deno.test("bootstrap: once; again is AlreadyExists (success); workers cannot; members join as learners first", async () => {
  const lab = await startTestLab(64);
  try {
    for (const ip of [CP1, CP2, W1]) lab.talos.addNode({ ip });
    for (const [ip, name] of [[CP1, "cp-1"], [CP2, "cp-2"], [W1, "w-1"]]) {
      await lab.waitUp(ip, "maintenance");
      await lab.client(ip).applyConfiguration(lab.configs[name].yaml);
    }
    for (const ip of [CP1, CP2, W1]) await lab.waitUp(ip, "configured");
    const cp1 = lab.client(CP1, "admin");

    // before Bootstrap there is no etcd to ask
    const none = await cp1.etcdMemberList().catch((e) => e);
    assert.ok(none instanceof TalosApiError && none.code === GrpcStatus.UNKNOWN, String(none));
    const etcdBefore = (await cp1.serviceList()).find((s) => s.id === "etcd")!;
    assert.equal(etcdBefore.state, "Preparing");
    assert.equal(etcdBefore.health?.unknown, true);

    assert.deepEqual(await cp1.bootstrap(), { already: false });
    assert.deepEqual(await cp1.bootstrap(), { already: true });
    const statuses = lab.trace.entries.filter((e) => e.path.endsWith("/Bootstrap")).map((e) => e.status);
    assert.deepEqual(statuses, ["OK", "AlreadyExists"]);

    const worker = await lab.client(W1, "admin").bootstrap().catch((e) => e);
    assert.ok(worker instanceof TalosApiError && worker.code === GrpcStatus.UNIMPLEMENTED, String(worker));
    assert.equal(worker.grpcMessage, "bootstrap is only available on control plane nodes");

    const first = await cp1.etcdMemberList();
    assert.equal(first[0].hostname, "cp-1");
    assert.equal(first[0].isLearner, false);
    assert.deepEqual(first[0].peerUrls, [`https://${CP1}:2380`]);

    // cp-2 joins: a learner first, then a voting member, and its etcd service becomes healthy
    const seen = new Set<string>();
    await waitFor({
      what: "cp-2 to be a voting member",
      clock: lab.clock,
      timeoutMs: 60_000,
      initialDelayMs: 1,
      maxDelayMs: 2,
      check: async () => {
        const m = (await cp1.etcdMemberList()).find((x) => x.hostname === "cp-2");
        seen.add(m ? (m.isLearner ? "learner" : "member") : "absent");
        return m && !m.isLearner ? m : { pending: "not yet" };
      },
    });
    assert.ok(seen.has("member"));
    const etcd2 = (await lab.client(CP2, "admin").serviceList()).find((s) => s.id === "etcd")!;
    assert.equal(etcd2.state, "Running");
    assert.equal(etcd2.health?.healthy, true);
    // a bootstrap on the member that joined: its etcd data directory is not empty either
    assert.deepEqual(await lab.client(CP2, "admin").bootstrap(), { already: true });
  } finally {
    await lab.close();
  }
});

Deno.test("Kubeconfig: an admin kubeconfig signed by the cluster CA for the configured endpoint", async () => {
  const lab = await startTestLab(65);
  try {
    lab.talos.addNode({ ip: CP1 });
    await lab.waitUp(CP1, "maintenance");
    await lab.client(CP1).applyConfiguration(lab.configs["cp-1"].yaml);
    await lab.waitUp(CP1, "configured");
    const text = await lab.client(CP1, "admin").kubeconfig();
    // deno-lint-ignore no-explicit-any
    const doc = parse(text) as any;
    assert.equal(doc["current-context"], "admin@homelab");
    assert.equal(doc.clusters[0].cluster.server, "https://10.0.3.10:6443");
    const cert = new X509Certificate(pem(doc.users[0].user["client-certificate-data"]));
    assert.match(cert.subject, /O=system:masters/);
    assert.match(cert.subject, /CN=admin/);
    assert.ok(cert.verify(new X509Certificate(pem(secrets.certs.k8s.crt)).publicKey));
    assert.equal(pem(doc.clusters[0].cluster["certificate-authority-data"]), pem(secrets.certs.k8s.crt));
    // workers have no Kubernetes CA key: only control planes hand out kubeconfigs
    lab.talos.addNode({ ip: W1 });
    await lab.waitUp(W1, "maintenance");
    await lab.client(W1).applyConfiguration(lab.configs["w-1"].yaml);
    await lab.waitUp(W1, "configured");
    const err = await lab.client(W1, "admin").kubeconfig().catch((e) => e);
    assert.ok(err instanceof TalosApiError && err.code === GrpcStatus.UNIMPLEMENTED, String(err));
  } finally {
    await lab.close();
  }
});

Deno.test("configured mode apply: unchanged config without reboot; a change Talos cannot apply live reboots", async () => {
  const lab = await startTestLab(66);
  try {
    lab.talos.addNode({ ip: CP1 });
    await lab.waitUp(CP1, "maintenance");
    await lab.client(CP1).applyConfiguration(lab.configs["cp-1"].yaml);
    await lab.waitUp(CP1, "configured");
    const admin = lab.client(CP1, "admin");
    const same = await admin.applyConfiguration(lab.configs["cp-1"].yaml, { mode: ApplyMode.AUTO });
    assert.equal(same.mode, ApplyMode.NO_REBOOT);
    assert.equal(same.modeDetails, "Applied configuration without a reboot");
    // node labels apply live
    const labelled = lab.configs["cp-1"].yaml.replace(
      'node.kubernetes.io/exclude-from-external-load-balancers: ""',
      'node.kubernetes.io/exclude-from-external-load-balancers: ""\n        zone: a',
    );
    assert.equal(
      (await admin.applyConfiguration(labelled, { mode: ApplyMode.AUTO })).mode,
      ApplyMode.NO_REBOOT,
    );
    // disk quota support is not in Talos' list of live changes: AUTO becomes REBOOT
    const changed = labelled.replace("diskQuotaSupport: true", "diskQuotaSupport: false");
    const dry = await admin.applyConfiguration(changed, { mode: ApplyMode.AUTO, dryRun: true });
    assert.match(
      dry.modeDetails,
      /^Dry run summary:\nApplied configuration with a reboot \(skipped in dry-run\)/,
    );
    const noReboot = await admin.applyConfiguration(changed, { mode: ApplyMode.NO_REBOOT }).catch((e) => e);
    assert.ok(
      noReboot instanceof TalosApiError && noReboot.code === GrpcStatus.INVALID_ARGUMENT,
      String(noReboot),
    );
    assert.match(noReboot.grpcMessage, /this config change can't be applied in immediate mode\ndiff:/);
    const r = await admin.applyConfiguration(changed, { mode: ApplyMode.AUTO });
    assert.equal(r.mode, ApplyMode.REBOOT);
    assert.match(
      r.modeDetails,
      /^Applied configuration with a reboot: this config change can't be applied in immediate mode/,
    );
    await lab.waitUp(CP1, "configured");
    assert.equal(
      new TextDecoder().decode(await lab.client(CP1, "admin").read("/system/state/config.yaml")),
      changed,
    );
  } finally {
    await lab.close();
  }
});
