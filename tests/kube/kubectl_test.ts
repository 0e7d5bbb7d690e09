/**
 * The real `kubectl` against the Kubernetes emulator over HTTPS with a client certificate:
 * `get nodes` (server-side tables), `apply --server-side -f`, `wait --for=condition=Available`,
 * `describe`, `delete`, the SSA conflict message, `api-resources` from aggregated discovery, and
 * errors as kubectl prints the server's Status. Skipped with a message when kubectl is not on PATH.
 */
import { ScaledClock } from "../../lib/clock/clock.ts";
import { assert, assertEquals, assertMatch } from "../testing.ts";
import { CNI_DAEMONSET, haveCommand, registerNodes, startTestKube } from "./helpers.ts";

const HAVE_KUBECTL = await haveCommand("kubectl");
if (!HAVE_KUBECTL) console.log("kubectl is not on PATH: skipping the kubectl tests");

async function kubectl(
  dir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("kubectl", {
    args: ["--kubeconfig", `${dir}/kubeconfig`, "--cache-dir", `${dir}/cache`, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { HOME: dir, KUBECTL_KUBERC: "false" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const APP = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: default}
data: {color: blue}
`;

Deno.test({
  name: "kubectl: get nodes, apply --server-side, wait, describe, delete against the emulator",
  ignore: !HAVE_KUBECTL,
  async fn() {
    const dir = await Deno.makeTempDir();
    const clock = new ScaledClock(1);
    const t = await startTestKube({ clock, address: "127.0.9.11" });
    try {
      await Deno.writeTextFile(`${dir}/kubeconfig`, t.kubeconfig);
      await Deno.writeTextFile(`${dir}/cni.yaml`, CNI_DAEMONSET);
      await Deno.writeTextFile(`${dir}/app.yaml`, APP);
      registerNodes(t.kube, { controlPlanes: 1, workers: 2 });

      const notReady = await kubectl(dir, "get", "nodes");
      assertEquals(notReady.code, 0, notReady.stderr);
      assertMatch(notReady.stdout, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/m);
      assertMatch(notReady.stdout, /^cp-1\s+NotReady\s+control-plane\s+\S+\s+v1\.33\.4$/m);

      const cni = await kubectl(dir, "apply", "--server-side", "-f", `${dir}/cni.yaml`);
      assertEquals(cni.code, 0, cni.stderr);
      assertMatch(cni.stdout, /daemonset\.apps\/cilium serverside-applied/);
      const nodesReady = await kubectl(
        dir,
        "wait",
        "--for=condition=Ready",
        "node",
        "--all",
        "--timeout=60s",
      );
      assertEquals(nodesReady.code, 0, nodesReady.stderr);
      assertMatch(nodesReady.stdout, /node\/w-2 condition met/);

      const applied = await kubectl(dir, "apply", "--server-side", "-f", `${dir}/app.yaml`);
      assertEquals(applied.code, 0, applied.stderr);
      assertMatch(
        applied.stdout,
        /deployment\.apps\/web serverside-applied\nconfigmap\/settings serverside-applied/,
      );
      const waited = await kubectl(
        dir,
        "wait",
        "--for=condition=Available",
        "deployment/web",
        "--timeout=60s",
      );
      assertEquals(waited.code, 0, waited.stderr);
      assertEquals(waited.stdout.trim(), "deployment.apps/web condition met");

      const deploy = await kubectl(dir, "get", "deployment", "web");
      assertMatch(deploy.stdout, /^web\s+2\/2\s+2\s+2\s+\S+$/m);
      const pods = await kubectl(dir, "get", "pods", "-l", "app=web", "-o", "wide");
      assertEquals(pods.stdout.trim().split("\n").length, 3, pods.stdout);
      assertMatch(pods.stdout, /web-\w+-\w+\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+w-\d/);

      const described = await kubectl(dir, "describe", "deployment", "web");
      assertEquals(described.code, 0, described.stderr);
      assertMatch(
        described.stdout,
        /Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable/,
      );
      assertMatch(described.stdout, /ScalingReplicaSet\s+.*Scaled up replica set web-\w+ from 0 to 2/);
      const node = await kubectl(dir, "describe", "node", "w-1");
      assertEquals(node.code, 0, node.stderr);
      assertMatch(node.stdout, /Ready\s+True\s+.*KubeletReady\s+kubelet is posting ready status/);

      // a conflicting apply from another manager: kubectl shows the server's message
      const other = await kubectl(
        dir,
        "apply",
        "--server-side",
        "--field-manager=other",
        "-f",
        `${dir}/app.yaml`,
      );
      assertEquals(other.code, 0, other.stderr);
      await Deno.writeTextFile(`${dir}/app2.yaml`, APP.replace("replicas: 2", "replicas: 3"));
      const conflict = await kubectl(
        dir,
        "apply",
        "--server-side",
        "--field-manager=other",
        "-f",
        `${dir}/app2.yaml`,
      );
      assert(conflict.code !== 0);
      assertMatch(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/);

      const missing = await kubectl(dir, "get", "pod", "nope");
      assertEquals(missing.code, 1);
      assertEquals(missing.stderr.trim(), 'Error from server (NotFound): pods "nope" not found');
      const dup = await kubectl(dir, "create", "-f", `${dir}/app.yaml`);
      assertMatch(
        dup.stderr,
        /Error from server \(AlreadyExists\): error when creating ".*app\.yaml": deployments\.apps "web" already exists/,
      );

      const resources = await kubectl(dir, "api-resources", "--api-group=apps");
      assertMatch(resources.stdout, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);

      const deleted = await kubectl(dir, "delete", "-f", `${dir}/app.yaml`, "--wait=true", "--timeout=60s");
      assertEquals(deleted.code, 0, deleted.stderr);
      assertMatch(deleted.stdout, /deployment\.apps "web" deleted/);
      const gone = await kubectl(dir, "get", "pods", "-l", "app=web", "-o", "name");
      // the garbage collector removes the ReplicaSet and its pods in the background
      for (
        let i = 0;
        i < 50 && (await kubectl(dir, "get", "pods", "-l", "app=web", "-o", "name")).stdout.trim();
        i++
      ) {
        await clock.sleep(100);
      }
      assertEquals(
        (await kubectl(dir, "get", "pods", "-l", "app=web", "-o", "name")).stdout.trim(),
        "",
        gone.stdout,
      );
    } finally {
      await t.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
