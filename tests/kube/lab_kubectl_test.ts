/**
 * The lab as a person uses it after `bootstrap --lab`: `lab serve` brings the same cluster back
 * (from the persisted world) and the real `kubectl`, with the kubeconfig bootstrap wrote, sees
 * every node Ready with its Cilium agent running. Skipped with a message when kubectl is absent.
 */
import { assertEquals, assertMatch } from "../testing.ts";
import { readAll, readUntil, strata, strataCommand, tempWorkdir } from "../cli/run.ts";
import { haveCommand } from "./helpers.ts";

const HAVE_KUBECTL = await haveCommand("kubectl");
if (!HAVE_KUBECTL) console.log("kubectl is not on PATH: skipping the lab kubectl test");

Deno.test({
  name: "after bootstrap --lab, lab serve answers the real kubectl: nodes Ready, Cilium running",
  ignore: !HAVE_KUBECTL,
  async fn() {
    const cwd = await tempWorkdir();
    const boot = await strata(cwd, "bootstrap", "--lab");
    assertEquals(boot.code, 0, boot.stdout + boot.stderr);
    const kubeconfig = `${cwd}/.strata/strata-lab/kubeconfig`;
    assertEquals((await Deno.stat(kubeconfig)).mode! & 0o777, 0o600);

    const child = strataCommand(cwd, ["lab", "serve", "--json"]).spawn();
    const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const err = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    try {
      const served = JSON.parse((await readUntil(out, "\n")).split("\n")[0]);
      const endpoints: string[] = served.emulators.flatMap((e: { endpoints: string[] }) => e.endpoints);
      assertMatch(endpoints.join(" "), /https:\/\/127\.0\.3\.10:6443/);
      const kubectl = async (...args: string[]) => {
        const r = await new Deno.Command("kubectl", {
          args: ["--kubeconfig", kubeconfig, "--cache-dir", `${cwd}/kcache`, ...args],
          env: { HOME: cwd, KUBECTL_KUBERC: "false" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const dec = new TextDecoder();
        return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
      };
      const waited = await kubectl("wait", "--for=condition=Ready", "node", "--all", "--timeout=60s");
      assertEquals(waited.code, 0, waited.stderr);
      const nodes = await kubectl("get", "nodes", "-o", "wide");
      assertEquals(nodes.code, 0, nodes.stderr);
      for (const [name, ip] of [["cp-1", "10.0.1.11"], ["worker-2", "10.0.2.22"]]) {
        assertMatch(
          nodes.stdout,
          new RegExp(`^${name}\\s+Ready\\s+\\S+\\s+\\S+\\s+v1\\.\\d+\\.\\d+\\s+${ip}\\s`, "m"),
        );
      }
      const agents = await kubectl(
        "get",
        "daemonset",
        "cilium",
        "-n",
        "kube-system",
        "-o",
        "jsonpath={.status.numberReady}",
      );
      assertEquals(agents.stdout, "5");
    } finally {
      child.kill("SIGINT");
      await readAll(out);
      await readAll(err);
      await child.status;
      await Deno.remove(cwd, { recursive: true });
    }
  },
});
