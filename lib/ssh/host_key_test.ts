import { assertEquals } from "../../tests/testing.ts";
import { parseSshPublicKey, sshFingerprint } from "../keys/ssh_key.ts";
import { hostKeyAlgorithms, verifyHostKey } from "./host_key.ts";
import { readKnownHosts } from "./known_hosts.ts";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const OTHER = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFy9ro+8ZJwZVvx2dUnCmHGlwW5Jt/ZmGrZPZ7CjB5gF";
const blob = parseSshPublicKey(KEY).blob;
const check = (known: string, pinned?: string) =>
  verifyHostKey({
    host: "10.0.0.10",
    port: 22,
    presented: blob,
    known: readKnownHosts(known, "kh"),
    pinnedFingerprint: pinned,
  });

Deno.test("verdicts: pinned, known, unknown, changed, revoked", () => {
  const fp = sshFingerprint(blob);
  assertEquals(check("", fp).verdict, "pinned");
  assertEquals(check(`10.0.0.10 ${OTHER}`, fp).verdict, "pinned", "a pin overrides known_hosts");
  assertEquals(check("", sshFingerprint(OTHER)).expected, [{
    fingerprint: sshFingerprint(OTHER),
    source: "the pinned fingerprint",
  }]);
  assertEquals(check(`10.0.0.10 ${KEY}`).verdict, "known");
  assertEquals(check(`10.0.0.11 ${OTHER}`).verdict, "unknown");
  const changed = check(`10.0.0.10 ${OTHER}\n10.0.0.10 ${OTHER}`);
  assertEquals([changed.verdict, changed.expected?.[0].source], ["changed", "kh:1"]);
  const revoked = check(`10.0.0.10 ${KEY}\n@revoked * ${KEY}`);
  assertEquals([revoked.verdict, revoked.revoked], ["changed", "kh:2"]);
});

Deno.test("known key types are preferred in the host key negotiation", () => {
  assertEquals(hostKeyAlgorithms([]), undefined);
  assertEquals(hostKeyAlgorithms(["ssh-rsa"])!.slice(0, 3), ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
  assertEquals(hostKeyAlgorithms(["ecdsa-sha2-nistp256"])![0], "ecdsa-sha2-nistp256");
  assertEquals(hostKeyAlgorithms(["ssh-ed25519"])!.length, 7);
});
