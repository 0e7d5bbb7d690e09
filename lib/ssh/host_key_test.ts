import { createHmac } from "node:crypto";
import { assert, assertEquals } from "../../tests/testing.ts";
import { parseSshPublicKey } from "../keys/ssh_key.ts";
import { hostMatches, verifyHostKey } from "./host_key.ts";
import { shellCommand, shellSplit } from "./quote.ts";
import { redact } from "./redact.ts";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

function hashed(name: string): string {
  const salt = crypto.getRandomValues(new Uint8Array(20));
  const hash = createHmac("sha1", salt).update(name).digest("base64");
  return `|1|${btoa(String.fromCharCode(...salt))}|${hash}`;
}

Deno.test("hashed and port-qualified known_hosts entries match", () => {
  assert(hostMatches(hashed("10.0.0.10"), "10.0.0.10", 22));
  assert(!hostMatches(hashed("10.0.0.10"), "10.0.0.11", 22));
  assert(hostMatches(hashed("[10.0.0.10]:2222"), "10.0.0.10", 2222));
  assert(hostMatches("[pve]:2222", "pve", 2222) && !hostMatches("pve", "pve", 2222));
  const blob = parseSshPublicKey(KEY).blob;
  assertEquals(
    verifyHostKey({
      host: "10.0.0.10",
      port: 22,
      presented: blob,
      knownHosts: `${hashed("10.0.0.10")} ${KEY}`,
    }).verdict,
    "known",
  );
  assertEquals(
    verifyHostKey({ host: "10.0.0.10", port: 22, presented: blob, knownHosts: "" }).verdict,
    "unknown",
  );
});

Deno.test("arguments are quoted for the shell and split back identically", () => {
  const args = ["pveum", "user", "add", "strata@pve", "--comment", 'it\'s "ours"; rm -rf /', "$(x)"];
  assertEquals(shellSplit(shellCommand(args)), args);
  assertEquals(shellCommand(["a", "b c"]), "a 'b c'");
});

Deno.test("redaction removes known secrets, UUIDs and private keys", () => {
  const text =
    "token 3f1e2d4c-1111-2222-3333-444455556666 pw hunter22 -----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----";
  const out = redact(text, ["hunter22"]);
  assert(!out.includes("3f1e2d4c") && !out.includes("hunter22") && !out.includes("abc"), out);
});
