import { assertEquals, assertMatch } from "../../../tests/testing.ts";
import { PatchError, strategicMerge } from "./strategic.ts";

type Doc = Record<string, unknown>;

function throws(fn: () => unknown, re: RegExp) {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof PatchError)) throw err;
    assertMatch(err.message, re);
    return;
  }
  throw new Error("expected a PatchError");
}

Deno.test("documents by identity: unnamed replaced field by field, named merged, lists by key or appended (Talos' multidoc vector)", () => {
  // siderolabs/talos configpatcher testdata/multidoc: config + strategic2 → expected
  const config: Doc[] = [
    { version: "v1alpha1", machine: { type: "worker" } },
    {
      apiVersion: "v1alpha1",
      kind: "SideroLinkConfig",
      apiUrl: "https://siderolink.api/join?jointoken=secret&user=alice",
    },
    {
      apiVersion: "v1alpha1",
      kind: "ExtensionServiceConfig",
      name: "foo",
      configFiles: [{ content: "hello", mountPath: "/etc/foo" }],
      environment: ["FOO=BAR"],
    },
  ];
  let out = strategicMerge(config, {
    apiVersion: "v1alpha1",
    kind: "SideroLinkConfig",
    apiUrl: "https://siderolink.api/join?jointoken=secret&user=bob",
  });
  out = strategicMerge(out, {
    apiVersion: "v1alpha1",
    kind: "ExtensionServiceConfig",
    name: "foo",
    configFiles: [{ content: "hello world", mountPath: "/etc/foo" }, {
      content: "another hello",
      mountPath: "/etc/bar",
    }],
    environment: ["XXX=YYY"],
  });
  assertEquals(out.slice(1), [
    {
      apiVersion: "v1alpha1",
      kind: "SideroLinkConfig",
      apiUrl: "https://siderolink.api/join?jointoken=secret&user=bob",
    },
    {
      apiVersion: "v1alpha1",
      kind: "ExtensionServiceConfig",
      name: "foo",
      configFiles: [{ content: "hello world", mountPath: "/etc/foo" }, {
        content: "another hello",
        mountPath: "/etc/bar",
      }],
      environment: ["FOO=BAR", "XXX=YYY"],
    },
  ]);
  assertEquals(
    config[1].apiUrl,
    "https://siderolink.api/join?jointoken=secret&user=alice",
    "inputs unchanged",
  );
});

Deno.test("v1alpha1 rules: zero values do not unset, booleans do, extraArgs per argument, replace-lists, null is no change", () => {
  const base: Doc = {
    version: "v1alpha1",
    machine: {
      install: { disk: "/dev/sda", wipe: true },
      certSANs: ["a"],
      kubelet: { extraArgs: { a: ["1"], b: "2" } },
    },
    cluster: {
      network: { podSubnets: ["10.244.0.0/16"] },
      apiServer: { auditPolicy: { kind: "Policy", rules: [{ level: "Metadata" }] } },
    },
  };
  const [out] = strategicMerge([base], {
    machine: {
      install: { disk: "", wipe: false, image: null },
      certSANs: ["b"],
      kubelet: { extraArgs: { a: ["3"] } },
    },
    cluster: {
      network: { podSubnets: ["10.42.0.0/16"] },
      apiServer: { auditPolicy: { kind: "Policy", rules: [] } },
    },
  });
  assertEquals(out, {
    version: "v1alpha1",
    machine: {
      install: { disk: "/dev/sda", wipe: false },
      certSANs: ["a", "b"],
      kubelet: { extraArgs: { a: ["3"], b: "2" } },
    },
    cluster: {
      network: { podSubnets: ["10.42.0.0/16"] },
      apiServer: { auditPolicy: { kind: "Policy", rules: [] } },
    },
  });
});

Deno.test("$patch: delete — documents, keys, list entries; deleting what is not there fails", () => {
  const base: Doc[] = [
    {
      version: "v1alpha1",
      machine: { nodeLabels: { a: "1", b: "2" } },
      cluster: { apiServer: { admissionControl: [{ name: "PodSecurity" }, { name: "Other" }] } },
    },
    { apiVersion: "v1alpha1", kind: "ResolverConfig", nameservers: [{ address: "1.1.1.1" }] },
  ];
  const out = strategicMerge(base, {
    machine: { nodeLabels: { a: { $patch: "delete" } } },
    cluster: { apiServer: { admissionControl: [{ name: "PodSecurity", $patch: "delete" }] } },
  });
  assertEquals(out[0], {
    version: "v1alpha1",
    machine: { nodeLabels: { b: "2" } },
    cluster: { apiServer: { admissionControl: [{ name: "Other" }] } },
  });
  assertEquals(
    strategicMerge(base, { apiVersion: "v1alpha1", kind: "ResolverConfig", $patch: "delete" }).length,
    1,
  );
  throws(
    () => strategicMerge(base, { machine: { nodeTaints: { $patch: "delete" } } }),
    /delete machine\.nodeTaints: not found/,
  );
  throws(
    () =>
      strategicMerge(base, {
        cluster: { apiServer: { admissionControl: [{ name: "Nope", $patch: "delete" }] } },
      }),
    /admissionControl\[name=Nope\]: not found/,
  );
  throws(
    () => strategicMerge(base, { version: "v1alpha1", $patch: "delete" }),
    /v1alpha1 document cannot be deleted/,
  );
  throws(
    () =>
      strategicMerge(base, {
        cluster: { apiServer: { admissionControl: [{ name: "x", configuration: { $patch: "delete" } }] } },
      }),
    /cannot delete an inner key/,
  );
});

Deno.test("a document the config lacks is added", () => {
  const out = strategicMerge([{ version: "v1alpha1" }], {
    apiVersion: "v1alpha1",
    kind: "KmsgLogConfig",
    name: "remote",
    url: "tcp://10.0.0.5:5044/",
  });
  assertEquals(out.length, 2);
  assertEquals(out[1].kind, "KmsgLogConfig");
});
