/**
 * strata's Kubernetes client (lib/kube) and @kubernetes/client-node itself against the emulator
 * over HTTPS with client certificates: apply (created / unchanged / configured, SSA conflicts
 * named), waits for rollouts and conditions through watches, timeouts naming the object and
 * what was last seen, and 401 for a certificate from another CA.
 */
import * as k8s from "@kubernetes/client-node";
import { ScaledClock } from "../../lib/clock/clock.ts";
import { createCa, encodePrivateKeyPem, issueClientCertificate } from "../../lib/pki/mod.ts";
import {
  applyManifests,
  KubeApiError,
  KubeClient,
  parseManifests,
  waitForCondition,
  waitForRollout,
} from "../../lib/kube/mod.ts";
import { assert, assertEquals, assertMatch, assertRejects } from "../testing.ts";
import { CNI_DAEMONSET, kubeconfigText, registerNodes, startTestKube } from "./helpers.ts";

const APP = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {color: blue}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}]
`;

Deno.test("lib/kube: apply, re-apply unchanged, change, rollout and condition waits over watches", async () => {
  const clock = new ScaledClock(1);
  const t = await startTestKube({ clock });
  try {
    registerNodes(t.kube, { controlPlanes: 1, workers: 2 });
    await applyManifests(t.client, parseManifests(CNI_DAEMONSET));
    const first = await applyManifests(t.client, parseManifests(APP));
    assertEquals(first.map((r) => `${r.ref.kind}:${r.action}`), [
      "Namespace:created",
      "ConfigMap:created",
      "Deployment:created",
    ]);
    const again = await applyManifests(t.client, parseManifests(APP));
    assertEquals(again.map((r) => r.action), ["unchanged", "unchanged", "unchanged"]);
    const changed = await applyManifests(t.client, parseManifests(APP.replace("color: blue", "color: red")));
    assertEquals(changed.map((r) => r.action), ["unchanged", "configured", "unchanged"]);

    const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "shop" };
    const progress: string[] = [];
    const done = await waitForRollout(t.client, ref, {
      timeoutMs: 60_000,
      onProgress: (s) => progress.push(s),
    });
    assertEquals(done?.status?.availableReplicas, 2);
    assert(progress.length >= 1, "progress was reported");
    await waitForCondition(t.client, ref, "Available", { timeoutMs: 60_000 });
    const nodes = await t.client.list("v1", "Node");
    assertEquals(nodes.items.length, 3);
    const cm = await t.client.get({
      apiVersion: "v1",
      kind: "ConfigMap",
      name: "settings",
      namespace: "shop",
    });
    assertEquals(cm?.data, { color: "red" });
    assertEquals(cm?.metadata.managedFields?.[0]?.manager, "strata");
  } finally {
    await t.close();
  }
});

Deno.test("lib/kube: a wait that times out names the object, the condition and the last state", async () => {
  const clock = new ScaledClock(1000);
  const t = await startTestKube({ clock });
  try {
    // no nodes: the Deployment can never become Available
    await applyManifests(t.client, parseManifests(APP));
    const err = await assertRejects(() =>
      waitForCondition(
        t.client,
        { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "shop" },
        "Available",
        {
          timeoutMs: 30_000,
        },
      )
    );
    assertMatch(
      String((err as Error).message),
      /timed out after 30\.0s waiting for deployment\.apps\/web in shop to be Available; last seen: Available=False \(MinimumReplicasUnavailable/,
    );
  } finally {
    await t.close();
  }
});

Deno.test("lib/kube: server-side apply conflicts come back naming the field and the other manager; force takes them", async () => {
  const clock = new ScaledClock(1);
  const t = await startTestKube({ clock });
  try {
    const cm = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "shared", namespace: "default" },
      data: { a: "1" },
    };
    await t.client.apply(cm, { fieldManager: "someone-else" });
    const err = await assertRejects(() => t.client.apply({ ...cm, data: { a: "2" } }));
    assert(err instanceof KubeApiError, String(err));
    assertEquals((err as KubeApiError).code, 409);
    assertMatch(
      (err as Error).message,
      /apply configmap\/shared in default: Apply failed with 1 conflict: conflict with "someone-else": \.data\.a/,
    );
    const forced = await t.client.apply({ ...cm, data: { a: "2" } }, { force: true });
    assertEquals(forced.object.data, { a: "2" });
  } finally {
    await t.close();
  }
});

Deno.test("@kubernetes/client-node: typed API, object API and watch work against the emulator under Deno", async () => {
  const clock = new ScaledClock(1);
  const t = await startTestKube({ clock });
  try {
    registerNodes(t.kube, { controlPlanes: 1, workers: 0 });
    const kc = new k8s.KubeConfig();
    kc.loadFromString(t.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const nodes = await core.listNode();
    assertEquals(nodes.items.map((n) => n.metadata?.name), ["cp-1"]);
    const created = await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "from-client-node" }, data: { x: "y" } },
    });
    assertEquals(created.metadata?.name, "from-client-node");
    const missing = await assertRejects(() => core.readNamespacedPod({ name: "nope", namespace: "default" }));
    assertEquals((missing as { code?: number }).code, 404);
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const listed = await objects.list("v1", "ConfigMap", "default");
    assert(listed.items.some((o) => o.metadata?.name === "from-client-node"));

    // watch: client-node's own Watch sees a change
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const got = Promise.withResolvers<void>();
    const ctl = await watch.watch("/api/v1/namespaces/default/configmaps", {}, (type, obj) => {
      seen.push(`${type} ${obj.metadata.name}`);
      if (type === "ADDED" && obj.metadata.name === "later") got.resolve();
    }, () => {});
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "later" } } });
    await got.promise;
    ctl.abort();
    assert(seen.includes("ADDED from-client-node"), seen.join(","));
  } finally {
    await t.close();
  }
});

Deno.test("lib/kube: a client certificate from another CA is refused with 401", async () => {
  const clock = new ScaledClock(1);
  const t = await startTestKube({ clock });
  try {
    const other = await createCa({ keyType: "ecdsa-p256", subject: { commonName: "other" } });
    const cert = await issueClientCertificate({
      ca: other,
      commonName: "admin",
      organization: ["system:masters"],
    });
    const kc = kubeconfigText(t.kube.url, t.caPem, cert.certificate, encodePrivateKeyPem(cert.privateKey));
    const client = await KubeClient.fromKubeconfig(kc, { clock });
    const err = await assertRejects(() => client.list("v1", "Namespace"));
    assertMatch(
      String((err as Error).message),
      /refused the kubeconfig's client certificate \(401 Unauthorized\)/,
    );
  } finally {
    await t.close();
  }
});
