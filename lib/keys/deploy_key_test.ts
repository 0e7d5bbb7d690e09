import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  deployKeyFromPrivate,
  deployKeyInstruction,
  fluxGitSecret,
  generateDeployKey,
} from "./deploy_key.ts";

const GITHUB = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const URL_ = "ssh://git@github.com/me/homelab.git";

Deno.test("deploy key carries the cluster in its comment and rebuilds from the private key", async () => {
  const key = await generateDeployKey({ clusterName: "homelab" });
  assert.match(key.publicKey, / flux@homelab$/);
  const again = deployKeyFromPrivate(key.privateKey);
  assert.deepEqual(again, key);
});

Deno.test("instruction names the host's UI and the fingerprint on one line", async () => {
  const key = await generateDeployKey({ clusterName: "c" });
  const line = deployKeyInstruction(key, URL_);
  assert.ok(!line.includes("\n"));
  assert.match(line, /GitHub: repository Settings → Deploy keys/);
  assert.ok(line.includes(key.fingerprint));
  assert.ok(!line.includes("PRIVATE"));
});

Deno.test("fluxGitSecret holds identity, identity.pub and the matching known_hosts line", async () => {
  const key = await generateDeployKey({ clusterName: "c" });
  const s = fluxGitSecret({ key, repoUrl: URL_, knownHosts: `# pinned\n${GITHUB}\n` });
  const text = (k: string) => Buffer.from(s.data[k as keyof typeof s.data], "base64").toString();
  assert.equal(text("identity"), key.privateKey);
  assert.equal(text("identity.pub"), key.publicKey + "\n");
  assert.equal(text("known_hosts"), GITHUB + "\n");
  assert.throws(
    () => fluxGitSecret({ key, repoUrl: "ssh://git@gitlab.com/x/y.git", knownHosts: GITHUB }),
    /no key/,
  );
});
