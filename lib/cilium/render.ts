/**
 * Cilium's install manifests, rendered by our own code from {@link CiliumValues}: the objects the
 * upstream Helm chart produces for those values (ServiceAccounts, RBAC, the `cilium-config`
 * ConfigMap, the agent DaemonSet with its init containers, the operator Deployment), in the
 * chart's shape and names, so a cluster installed by strata looks like one installed by
 * `helm install cilium`. No helm binary is needed; the objects are applied by server-side apply.
 *
 * @example
 * ```ts
 * const objects = renderCilium(ciliumValues(inputs), "1.18.2");
 * ```
 */
import type { KubeObject } from "../kube/client.ts";
import type { CiliumValues } from "./values.ts";

export const CILIUM_NAMESPACE = "kube-system";

const ns = CILIUM_NAMESPACE;

function commonLabels(name: string): Record<string, string> {
  return { "app.kubernetes.io/part-of": "cilium", "app.kubernetes.io/name": name };
}

/** The `cilium-config` ConfigMap's data for these values. */
export function ciliumConfigData(v: CiliumValues): Record<string, string> {
  const d: Record<string, string> = {
    "identity-allocation-mode": "crd",
    "identity-heartbeat-timeout": "30m0s",
    "identity-gc-interval": "15m0s",
    "cilium-endpoint-gc-interval": "5m0s",
    "nodes-gc-interval": "5m0s",
    "debug": "false",
    "debug-verbose": "",
    "metrics-sampling-interval": "5m",
    "enable-policy": "default",
    "policy-cidr-match-mode": "",
    "operator-prometheus-serve-addr": ":9963",
    "enable-metrics": "true",
    "enable-ipv4": "true",
    "enable-ipv6": "false",
    "custom-cni-conf": "false",
    "enable-bpf-clock-probe": "false",
    "monitor-aggregation": "medium",
    "monitor-aggregation-interval": "5s",
    "monitor-aggregation-flags": "all",
    "bpf-map-dynamic-size-ratio": "0.0025",
    "bpf-policy-map-max": "16384",
    "bpf-lb-map-max": "65536",
    "bpf-lb-external-clusterip": "false",
    "bpf-lb-source-range-all-types": "false",
    "bpf-lb-algorithm-annotation": "false",
    "bpf-lb-mode-annotation": "false",
    "bpf-distributed-lru": "false",
    "bpf-events-drop-enabled": "true",
    "bpf-events-policy-verdict-enabled": "true",
    "bpf-events-trace-enabled": "true",
    "preallocate-bpf-maps": "false",
    "bpf-root": v.bpf.root,
    "cluster-name": "default",
    "cluster-id": "0",
    "routing-mode": v.routingMode,
    "service-no-backend-response": "reject",
    "enable-l7-proxy": "true",
    "enable-ipv4-masquerade": "true",
    "enable-ipv4-big-tcp": "false",
    "enable-ipv6-big-tcp": "false",
    "enable-ipv6-masquerade": "true",
    "enable-tcx": "true",
    "datapath-mode": "veth",
    "enable-masquerade-to-route-source": "false",
    "enable-xt-socket-fallback": "true",
    "install-no-conntrack-iptables-rules": "false",
    "iptables-random-fully": "false",
    "auto-direct-node-routes": String(v.autoDirectNodeRoutes ?? false),
    "direct-routing-skip-unreachable": "false",
    "kube-proxy-replacement": v.kubeProxyReplacement,
    "kube-proxy-replacement-healthz-bind-address": "",
    "bpf-lb-sock": "false",
    "nodeport-addresses": "",
    "enable-health-check-nodeport": "true",
    "enable-health-check-loadbalancer-ip": "false",
    "node-port-bind-protection": "true",
    "enable-auto-protect-node-port-range": "true",
    "bpf-lb-acceleration": "disabled",
    "enable-svc-source-range-check": "true",
    "enable-l2-neigh-discovery": "false",
    "k8s-require-ipv4-pod-cidr": "false",
    "k8s-require-ipv6-pod-cidr": "false",
    "enable-k8s-networkpolicy": "true",
    "enable-endpoint-lockdown-on-policy-overflow": "false",
    "write-cni-conf-when-ready": "/host/etc/cni/net.d/05-cilium.conflist",
    "cni-exclusive": "true",
    "cni-log-file": "/var/run/cilium/cilium-cni.log",
    "enable-endpoint-health-checking": "true",
    "enable-health-checking": "true",
    "health-check-icmp-failure-threshold": "3",
    "enable-well-known-identities": "false",
    "enable-node-selector-labels": "false",
    "synchronize-k8s-nodes": "true",
    "operator-api-serve-addr": "127.0.0.1:9234",
    "enable-hubble": "false",
    "ipam": v.ipam.mode,
    "ipam-cilium-node-update-rate": "15s",
    "egress-gateway-reconciliation-trigger-interval": "1s",
    "enable-vtep": "false",
    "vtep-endpoint": "",
    "vtep-cidr": "",
    "vtep-mask": "",
    "vtep-mac": "",
    "enable-bgp-control-plane": "false",
    "procfs": "/host/proc",
    "cgroup-root": v.cgroup.hostRoot,
    "enable-k8s-terminating-endpoint": "true",
    "enable-sctp": "false",
    "k8s-client-qps": "10",
    "k8s-client-burst": "20",
    "remove-cilium-node-taints": "true",
    "set-cilium-node-taints": "true",
    "set-cilium-is-up-condition": "true",
    "unmanaged-pod-watcher-interval": "15",
    "dnsproxy-enable-transparent-mode": "true",
    "dnsproxy-socket-linger-timeout": "10",
    "tofqdns-dns-reject-response-code": "refused",
    "tofqdns-enable-dns-compression": "true",
    "tofqdns-endpoint-max-ip-per-hostname": "1000",
    "tofqdns-idle-connection-grace-period": "0s",
    "tofqdns-max-deferred-connection-deletes": "10000",
    "tofqdns-proxy-response-max-delay": "100ms",
    "agent-not-ready-taint-key": "node.cilium.io/agent-not-ready",
    "mesh-auth-enabled": "true",
    "mesh-auth-queue-size": "1024",
    "mesh-auth-rotated-identities-queue-size": "1024",
    "mesh-auth-gc-interval": "5m0s",
    "proxy-xff-num-trusted-hops-ingress": "0",
    "proxy-xff-num-trusted-hops-egress": "0",
    "proxy-connect-timeout": "2",
    "proxy-initial-fetch-timeout": "30",
    "proxy-max-requests-per-connection": "0",
    "proxy-max-connection-duration-seconds": "0",
    "proxy-idle-timeout-seconds": "60",
    "proxy-max-concurrent-retries": "128",
    "http-retry-count": "3",
    "external-envoy-proxy": "false",
    "envoy-base-id": "0",
    "envoy-keep-cap-netbindservice": "false",
    "max-connected-clusters": "255",
    "clustermesh-enable-endpoint-sync": "false",
    "clustermesh-enable-mcs-api": "false",
    "nat-map-stats-entries": "32",
    "nat-map-stats-interval": "30s",
    "enable-internal-traffic-policy": "true",
    "enable-lb-ipam": "true",
    "enable-non-default-deny-policies": "true",
    "enable-source-ip-verification": "true",
  };
  if (v.routingMode === "tunnel") {
    d["tunnel-protocol"] = v.tunnelProtocol ?? "vxlan";
    d["tunnel-source-port-range"] = "0-0";
  } else if (v.ipv4NativeRoutingCIDR) d["ipv4-native-routing-cidr"] = v.ipv4NativeRoutingCIDR;
  if (v.ipam.operator) {
    d["cluster-pool-ipv4-cidr"] = v.ipam.operator.clusterPoolIPv4PodCIDRList.join(" ");
    d["cluster-pool-ipv4-mask-size"] = String(v.ipam.operator.clusterPoolIPv4MaskSize);
  }
  // the chart writes the MTU value (capital M) to the agent's "mtu" key only when it is set
  if (v.MTU) d["mtu"] = String(v.MTU);
  return Object.fromEntries(Object.entries(d).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const rbacGroup = "rbac.authorization.k8s.io";

function agentClusterRole(): KubeObject {
  return {
    apiVersion: `${rbacGroup}/v1`,
    kind: "ClusterRole",
    metadata: { name: "cilium", labels: commonLabels("cilium-agent") },
    rules: [
      { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
      {
        apiGroups: [""],
        resources: ["namespaces", "services", "pods", "endpoints", "nodes"],
        verbs: ["get", "list", "watch"],
      },
      {
        apiGroups: ["apiextensions.k8s.io"],
        resources: ["customresourcedefinitions"],
        verbs: ["list", "watch", "get"],
      },
      {
        apiGroups: ["cilium.io"],
        resources: [
          "ciliumloadbalancerippools",
          "ciliumbgppeeringpolicies",
          "ciliumbgpnodeconfigs",
          "ciliumbgpadvertisements",
          "ciliumbgppeerconfigs",
          "ciliumclusterwideenvoyconfigs",
          "ciliumclusterwidenetworkpolicies",
          "ciliumegressgatewaypolicies",
          "ciliumendpoints",
          "ciliumendpointslices",
          "ciliumenvoyconfigs",
          "ciliumidentities",
          "ciliumlocalredirectpolicies",
          "ciliumnetworkpolicies",
          "ciliumnodes",
          "ciliumnodeconfigs",
          "ciliumcidrgroups",
          "ciliuml2announcementpolicies",
          "ciliumpodippools",
        ],
        verbs: ["list", "watch"],
      },
      {
        apiGroups: ["cilium.io"],
        resources: ["ciliumidentities", "ciliumendpoints", "ciliumnodes"],
        verbs: ["create"],
      },
      { apiGroups: ["cilium.io"], resources: ["ciliumidentities"], verbs: ["update"] },
      { apiGroups: ["cilium.io"], resources: ["ciliumendpoints"], verbs: ["delete", "get"] },
      {
        apiGroups: ["cilium.io"],
        resources: ["ciliumnodes", "ciliumnodes/status"],
        verbs: ["get", "update"],
      },
      {
        apiGroups: ["cilium.io"],
        resources: [
          "ciliumendpoints/status",
          "ciliumendpoints",
          "ciliuml2announcementpolicies/status",
          "ciliumbgpnodeconfigs/status",
        ],
        verbs: ["patch"],
      },
    ],
  };
}

function operatorClusterRole(): KubeObject {
  return {
    apiVersion: `${rbacGroup}/v1`,
    kind: "ClusterRole",
    metadata: { name: "cilium-operator", labels: commonLabels("cilium-operator") },
    rules: [
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "delete"] },
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["cilium-config"], verbs: ["patch"] },
      { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
      { apiGroups: [""], resources: ["nodes", "nodes/status"], verbs: ["patch"] },
      { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["services/status"], verbs: ["update", "patch"] },
      { apiGroups: [""], resources: ["namespaces", "secrets"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["services", "endpoints"], verbs: ["get", "list", "watch"] },
      {
        apiGroups: ["cilium.io"],
        resources: ["ciliumnetworkpolicies", "ciliumclusterwidenetworkpolicies"],
        verbs: ["create", "update", "deletecollection", "patch", "get", "list", "watch"],
      },
      {
        apiGroups: ["cilium.io"],
        resources: ["ciliumnetworkpolicies/status", "ciliumclusterwidenetworkpolicies/status"],
        verbs: ["patch", "update"],
      },
      {
        apiGroups: ["cilium.io"],
        resources: ["ciliumendpoints", "ciliumidentities"],
        verbs: ["delete", "list", "watch"],
      },
      { apiGroups: ["cilium.io"], resources: ["ciliumidentities"], verbs: ["update"] },
      {
        apiGroups: ["cilium.io"],
        resources: ["ciliumnodes"],
        verbs: ["create", "update", "get", "list", "watch", "delete"],
      },
      { apiGroups: ["cilium.io"], resources: ["ciliumnodes/status"], verbs: ["update"] },
      {
        apiGroups: ["cilium.io"],
        resources: [
          "ciliumendpointslices",
          "ciliumenvoyconfigs",
          "ciliumbgppeerconfigs",
          "ciliumbgpadvertisements",
          "ciliumbgpnodeconfigs",
        ],
        verbs: ["create", "update", "get", "list", "watch", "delete", "patch"],
      },
      {
        apiGroups: ["cilium.io"],
        resources: ["ciliumbgpclusterconfigs/status", "ciliumbgppeerconfigs/status"],
        verbs: ["update"],
      },
      {
        apiGroups: ["apiextensions.k8s.io"],
        resources: ["customresourcedefinitions"],
        verbs: ["create", "get", "list", "watch"],
      },
      {
        apiGroups: ["apiextensions.k8s.io"],
        resources: ["customresourcedefinitions"],
        verbs: ["update"],
        resourceNames: [
          "ciliumloadbalancerippools.cilium.io",
          "ciliumbgppeeringpolicies.cilium.io",
          "ciliumbgpclusterconfigs.cilium.io",
          "ciliumbgppeerconfigs.cilium.io",
          "ciliumbgpadvertisements.cilium.io",
          "ciliumbgpnodeconfigs.cilium.io",
          "ciliumbgpnodeconfigoverrides.cilium.io",
          "ciliumclusterwideenvoyconfigs.cilium.io",
          "ciliumclusterwidenetworkpolicies.cilium.io",
          "ciliumegressgatewaypolicies.cilium.io",
          "ciliumendpoints.cilium.io",
          "ciliumendpointslices.cilium.io",
          "ciliumenvoyconfigs.cilium.io",
          "ciliumidentities.cilium.io",
          "ciliumlocalredirectpolicies.cilium.io",
          "ciliumnetworkpolicies.cilium.io",
          "ciliumnodes.cilium.io",
          "ciliumnodeconfigs.cilium.io",
          "ciliumcidrgroups.cilium.io",
          "ciliuml2announcementpolicies.cilium.io",
          "ciliumpodippools.cilium.io",
        ],
      },
      {
        apiGroups: ["cilium.io"],
        resources: [
          "ciliumloadbalancerippools",
          "ciliumpodippools",
          "ciliumbgppeeringpolicies",
          "ciliumbgpclusterconfigs",
          "ciliumbgpnodeconfigoverrides",
        ],
        verbs: ["get", "list", "watch"],
      },
      { apiGroups: ["cilium.io"], resources: ["ciliumpodippools"], verbs: ["create"] },
      { apiGroups: ["cilium.io"], resources: ["ciliumloadbalancerippools/status"], verbs: ["patch"] },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create", "get", "update"] },
    ],
  };
}

function binding(
  kind: "ClusterRoleBinding" | "RoleBinding",
  name: string,
  roleKind: string,
  sa: string,
  labelName: string,
): KubeObject {
  return {
    apiVersion: `${rbacGroup}/v1`,
    kind,
    metadata: { name, ...(kind === "RoleBinding" ? { namespace: ns } : {}), labels: commonLabels(labelName) },
    roleRef: { apiGroup: rbacGroup, kind: roleKind, name },
    subjects: [{ kind: "ServiceAccount", name: sa, namespace: ns }],
  };
}

const K8S_ENV = (v: CiliumValues) => [
  { name: "KUBERNETES_SERVICE_HOST", value: v.k8sServiceHost },
  { name: "KUBERNETES_SERVICE_PORT", value: String(v.k8sServicePort) },
];

const FIELD_ENV = [
  { name: "K8S_NODE_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } },
  {
    name: "CILIUM_K8S_NAMESPACE",
    valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } },
  },
];

function agentDaemonSet(v: CiliumValues, image: string): KubeObject {
  const hostPath = (name: string, path: string, type: string) => ({ name, hostPath: { path, type } });
  const seLinux = { level: "s0", type: "spc_t" };
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: {
      name: "cilium",
      namespace: ns,
      labels: { "k8s-app": "cilium", ...commonLabels("cilium-agent") },
    },
    spec: {
      selector: { matchLabels: { "k8s-app": "cilium" } },
      updateStrategy: { rollingUpdate: { maxUnavailable: 2 }, type: "RollingUpdate" },
      template: {
        metadata: { labels: { "k8s-app": "cilium", ...commonLabels("cilium-agent") } },
        spec: {
          // Kubernetes >= 1.30: the AppArmor profile is a field (the chart's annotations are for older ones)
          securityContext: { appArmorProfile: { type: "Unconfined" } },
          containers: [{
            name: "cilium-agent",
            image,
            imagePullPolicy: "IfNotPresent",
            command: ["cilium-agent"],
            args: ["--config-dir=/tmp/cilium/config-map"],
            startupProbe: {
              httpGet: {
                host: "127.0.0.1",
                path: "/healthz",
                port: 9879,
                scheme: "HTTP",
                httpHeaders: [{ name: "brief", value: "true" }],
              },
              failureThreshold: 300,
              periodSeconds: 2,
              successThreshold: 1,
              initialDelaySeconds: 5,
            },
            livenessProbe: {
              httpGet: {
                host: "127.0.0.1",
                path: "/healthz",
                port: 9879,
                scheme: "HTTP",
                httpHeaders: [{ name: "brief", value: "true" }],
              },
              periodSeconds: 30,
              successThreshold: 1,
              failureThreshold: 10,
              timeoutSeconds: 5,
            },
            readinessProbe: {
              httpGet: {
                host: "127.0.0.1",
                path: "/healthz",
                port: 9879,
                scheme: "HTTP",
                httpHeaders: [{ name: "brief", value: "true" }],
              },
              periodSeconds: 30,
              successThreshold: 1,
              failureThreshold: 3,
              timeoutSeconds: 5,
            },
            env: [
              ...FIELD_ENV,
              { name: "CILIUM_CLUSTERMESH_CONFIG", value: "/var/lib/cilium/clustermesh/" },
              {
                name: "GOMEMLIMIT",
                valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1" } },
              },
              ...K8S_ENV(v),
            ],
            lifecycle: { preStop: { exec: { command: ["/cni-uninstall.sh"] } } },
            securityContext: {
              seLinuxOptions: seLinux,
              capabilities: { add: v.securityContext.capabilities.ciliumAgent, drop: ["ALL"] },
            },
            terminationMessagePolicy: "FallbackToLogsOnError",
            volumeMounts: [
              { mountPath: "/host/proc/sys/net", name: "host-proc-sys-net" },
              { mountPath: "/host/proc/sys/kernel", name: "host-proc-sys-kernel" },
              { name: "bpf-maps", mountPath: v.bpf.root, mountPropagation: "HostToContainer" },
              { name: "cilium-cgroup", mountPath: v.cgroup.hostRoot },
              { name: "cilium-run", mountPath: "/var/run/cilium" },
              { name: "etc-cni-netd", mountPath: "/host/etc/cni/net.d" },
              { name: "clustermesh-secrets", mountPath: "/var/lib/cilium/clustermesh", readOnly: true },
              { name: "lib-modules", mountPath: "/lib/modules", readOnly: true },
              { name: "xtables-lock", mountPath: "/run/xtables.lock" },
              { name: "tmp", mountPath: "/tmp" },
            ],
          }],
          initContainers: [
            {
              name: "config",
              image,
              imagePullPolicy: "IfNotPresent",
              command: ["cilium-dbg", "build-config"],
              env: [...FIELD_ENV, ...K8S_ENV(v)],
              volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
              terminationMessagePolicy: "FallbackToLogsOnError",
            },
            {
              // Talos mounts bpffs itself; the chart's init container only mounts it when missing
              name: "mount-bpf-fs",
              image,
              imagePullPolicy: "IfNotPresent",
              args: [`mount | grep "${v.bpf.root} type bpf" || mount -t bpf bpf ${v.bpf.root}`],
              command: ["/bin/bash", "-c", "--"],
              terminationMessagePolicy: "FallbackToLogsOnError",
              securityContext: { privileged: true },
              volumeMounts: [{ name: "bpf-maps", mountPath: v.bpf.root, mountPropagation: "Bidirectional" }],
            },
            {
              name: "clean-cilium-state",
              image,
              imagePullPolicy: "IfNotPresent",
              command: ["/init-container.sh"],
              env: [
                {
                  name: "CILIUM_ALL_STATE",
                  valueFrom: {
                    configMapKeyRef: { name: "cilium-config", key: "clean-cilium-state", optional: true },
                  },
                },
                {
                  name: "CILIUM_BPF_STATE",
                  valueFrom: {
                    configMapKeyRef: { name: "cilium-config", key: "clean-cilium-bpf-state", optional: true },
                  },
                },
                {
                  name: "WRITE_CNI_CONF_WHEN_READY",
                  valueFrom: {
                    configMapKeyRef: {
                      name: "cilium-config",
                      key: "write-cni-conf-when-ready",
                      optional: true,
                    },
                  },
                },
                ...K8S_ENV(v),
              ],
              terminationMessagePolicy: "FallbackToLogsOnError",
              securityContext: {
                seLinuxOptions: seLinux,
                capabilities: { add: v.securityContext.capabilities.cleanCiliumState, drop: ["ALL"] },
              },
              volumeMounts: [
                { name: "bpf-maps", mountPath: v.bpf.root },
                { name: "cilium-cgroup", mountPath: v.cgroup.hostRoot, mountPropagation: "HostToContainer" },
                { name: "cilium-run", mountPath: "/var/run/cilium" },
              ],
            },
            {
              name: "install-cni-binaries",
              image,
              imagePullPolicy: "IfNotPresent",
              command: ["/install-plugin.sh"],
              resources: { requests: { cpu: "100m", memory: "10Mi" } },
              securityContext: { seLinuxOptions: seLinux, capabilities: { drop: ["ALL"] } },
              terminationMessagePolicy: "FallbackToLogsOnError",
              volumeMounts: [{ name: "cni-path", mountPath: "/host/opt/cni/bin" }],
            },
          ],
          restartPolicy: "Always",
          priorityClassName: "system-node-critical",
          serviceAccountName: "cilium",
          automountServiceAccountToken: true,
          terminationGracePeriodSeconds: 1,
          hostNetwork: true,
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [{
                labelSelector: { matchLabels: { "k8s-app": "cilium" } },
                topologyKey: "kubernetes.io/hostname",
              }],
            },
          },
          nodeSelector: { "kubernetes.io/os": "linux" },
          tolerations: [{ operator: "Exists" }],
          volumes: [
            { name: "tmp", emptyDir: {} },
            hostPath("cilium-run", "/var/run/cilium", "DirectoryOrCreate"),
            hostPath("bpf-maps", v.bpf.root, "DirectoryOrCreate"),
            hostPath("cilium-cgroup", v.cgroup.hostRoot, "DirectoryOrCreate"),
            hostPath("cni-path", "/opt/cni/bin", "DirectoryOrCreate"),
            hostPath("etc-cni-netd", "/etc/cni/net.d", "DirectoryOrCreate"),
            { name: "lib-modules", hostPath: { path: "/lib/modules" } },
            hostPath("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
            {
              name: "clustermesh-secrets",
              projected: {
                defaultMode: 256,
                sources: [
                  { secret: { name: "cilium-clustermesh", optional: true } },
                  {
                    secret: {
                      name: "clustermesh-apiserver-remote-cert",
                      optional: true,
                      items: [{ key: "tls.key", path: "common-etcd-client.key" }, {
                        key: "tls.crt",
                        path: "common-etcd-client.crt",
                      }, { key: "ca.crt", path: "common-etcd-client-ca.crt" }],
                    },
                  },
                  {
                    secret: {
                      name: "clustermesh-apiserver-local-cert",
                      optional: true,
                      items: [{ key: "tls.key", path: "local-etcd-client.key" }, {
                        key: "tls.crt",
                        path: "local-etcd-client.crt",
                      }, { key: "ca.crt", path: "local-etcd-client-ca.crt" }],
                    },
                  },
                ],
              },
            },
            hostPath("host-proc-sys-net", "/proc/sys/net", "Directory"),
            hostPath("host-proc-sys-kernel", "/proc/sys/kernel", "Directory"),
          ],
        },
      },
    },
  };
}

function operatorDeployment(v: CiliumValues, version: string): KubeObject {
  const labels = { "io.cilium/app": "operator", name: "cilium-operator", ...commonLabels("cilium-operator") };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "cilium-operator", namespace: ns, labels },
    spec: {
      replicas: v.operator.replicas,
      selector: { matchLabels: { "io.cilium/app": "operator", name: "cilium-operator" } },
      strategy: { rollingUpdate: { maxSurge: "25%", maxUnavailable: "50%" }, type: "RollingUpdate" },
      template: {
        metadata: { annotations: { "prometheus.io/port": "9963", "prometheus.io/scrape": "true" }, labels },
        spec: {
          containers: [{
            name: "cilium-operator",
            image: `quay.io/cilium/operator-generic:v${version}`,
            imagePullPolicy: "IfNotPresent",
            command: ["cilium-operator-generic"],
            args: ["--config-dir=/tmp/cilium/config-map", "--debug=$(CILIUM_DEBUG)"],
            env: [
              ...FIELD_ENV,
              {
                name: "CILIUM_DEBUG",
                valueFrom: { configMapKeyRef: { key: "debug", name: "cilium-config", optional: true } },
              },
              ...K8S_ENV(v),
            ],
            ports: [{ name: "prometheus", containerPort: 9963, hostPort: 9963, protocol: "TCP" }],
            livenessProbe: {
              httpGet: { host: "127.0.0.1", path: "/healthz", port: 9234, scheme: "HTTP" },
              initialDelaySeconds: 60,
              periodSeconds: 10,
              timeoutSeconds: 3,
            },
            readinessProbe: {
              httpGet: { host: "127.0.0.1", path: "/healthz", port: 9234, scheme: "HTTP" },
              initialDelaySeconds: 0,
              periodSeconds: 5,
              timeoutSeconds: 3,
              failureThreshold: 5,
            },
            volumeMounts: [{
              name: "cilium-config-path",
              mountPath: "/tmp/cilium/config-map",
              readOnly: true,
            }],
            terminationMessagePolicy: "FallbackToLogsOnError",
          }],
          hostNetwork: true,
          restartPolicy: "Always",
          priorityClassName: "system-cluster-critical",
          serviceAccountName: "cilium-operator",
          automountServiceAccountToken: true,
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [{
                labelSelector: { matchLabels: { "io.cilium/app": "operator" } },
                topologyKey: "kubernetes.io/hostname",
              }],
            },
          },
          nodeSelector: { "kubernetes.io/os": "linux" },
          tolerations: [{ operator: "Exists" }],
          volumes: [{ name: "cilium-config-path", configMap: { name: "cilium-config" } }],
        },
      },
    },
  };
}

/** The objects, in the order the chart renders them. */
export function renderCilium(v: CiliumValues, version: string): KubeObject[] {
  const image = `quay.io/cilium/cilium:${v.image.tag}`;
  if (v.image.tag !== `v${version}`) throw new Error(`cilium values are for ${v.image.tag}, not v${version}`);
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "cilium", namespace: ns } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "cilium-operator", namespace: ns } },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cilium-config", namespace: ns },
      data: ciliumConfigData(v),
    },
    agentClusterRole(),
    operatorClusterRole(),
    binding("ClusterRoleBinding", "cilium", "ClusterRole", "cilium", "cilium-agent"),
    binding("ClusterRoleBinding", "cilium-operator", "ClusterRole", "cilium-operator", "cilium-operator"),
    {
      apiVersion: `${rbacGroup}/v1`,
      kind: "Role",
      metadata: { name: "cilium-config-agent", namespace: ns, labels: commonLabels("cilium-agent") },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
    },
    binding("RoleBinding", "cilium-config-agent", "Role", "cilium", "cilium-agent"),
    agentDaemonSet(v, image),
    operatorDeployment(v, version),
  ];
}
