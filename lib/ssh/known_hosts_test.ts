import { createHmac } from "node:crypto";
import { Buffer } from "node:buffer";
import { assert, assertEquals } from "../../tests/testing.ts";
import { hashedMatches, keysForHost, knownHostsName, patternsMatch, readKnownHosts } from "./known_hosts.ts";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

/** What `ssh-keygen -H` writes: |1|base64(salt)|base64(HMAC-SHA1(salt, name)). */
function hashed(name: string): string {
  const salt = crypto.getRandomValues(new Uint8Array(20));
  return `|1|${Buffer.from(salt).toString("base64")}|${
    createHmac("sha1", salt).update(name).digest("base64")
  }`;
}

Deno.test("hashed entries match their host (and port) only", () => {
  assert(hashedMatches(hashed("10.0.0.10"), "10.0.0.10"));
  assert(!hashedMatches(hashed("10.0.0.10"), "10.0.0.11"));
  assert(patternsMatch([hashed("[10.0.0.10]:2222")], "10.0.0.10", 2222));
  assert(!patternsMatch([hashed("10.0.0.10")], "10.0.0.10", 2222));
  // entries OpenSSH's `ssh-keygen -H` wrote for "pve.example" and "[pve.example]:2222"
  assert(hashedMatches("|1|OYtNc/KIHiy1lto1XiSPurzizgg=|lPbjLK8nYgxqq5GciauCttVSOHA=", "pve.example"));
  assert(
    patternsMatch(["|1|Bzdekh7TnwNAU98Y8AZuycAmyys=|9eS1ZULcRJL957bQRwVw+qdpTps="], "pve.example", 2222),
  );
  assert(!patternsMatch(["|1|Bzdekh7TnwNAU98Y8AZuycAmyys=|9eS1ZULcRJL957bQRwVw+qdpTps="], "pve.example", 22));
});

Deno.test("patterns: lists, wildcards, negation, [host]:port", () => {
  assertEquals(knownHostsName("pve", 22), "pve");
  assertEquals(knownHostsName("pve", 2222), "[pve]:2222");
  assert(patternsMatch(["other", "10.0.0.*"], "10.0.0.10", 22));
  assert(patternsMatch(["pve?"], "pve1", 22));
  assert(!patternsMatch(["10.0.0.*", "!10.0.0.10"], "10.0.0.10", 22));
  assert(patternsMatch(["[pve]:2222"], "pve", 2222) && !patternsMatch(["pve"], "pve", 2222));
});

Deno.test("unusable lines are skipped, markers kept, sources named", () => {
  const text = [
    "# comment",
    "",
    `10.0.0.10 ${KEY} root@pve`,
    "10.0.0.10 ssh-unknown AAAA",
    "garbage",
    `@revoked 10.0.0.11 ${KEY}`,
    `@cert-authority *.example ${KEY}`,
  ].join("\n");
  const entries = readKnownHosts(text, "/k");
  assertEquals(entries.map((e) => [e.source, e.marker ?? "", e.keyType]), [
    ["/k:3", "", "ssh-ed25519"],
    ["/k:6", "@revoked", "ssh-ed25519"],
    ["/k:7", "@cert-authority", "ssh-ed25519"],
  ]);
  assertEquals(keysForHost(entries, "10.0.0.10", 22).length, 1);
  assertEquals(keysForHost(entries, "ca.example", 22).length, 0, "CA entries are not host keys");
});
