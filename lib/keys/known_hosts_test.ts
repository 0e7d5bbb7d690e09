import assert from "node:assert/strict";
import { generateSshKey } from "./ssh_key.ts";
import { gitSshHost, knownHostsFor, knownHostsLine, parseKnownHosts } from "./known_hosts.ts";

// github.com's published Ed25519 host key (docs.github.com "GitHub's SSH key fingerprints").
const GITHUB = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const GITHUB_FP = "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU";

Deno.test("parseKnownHosts reads github.com's published key and its fingerprint", () => {
  const [e] = parseKnownHosts(`# comment\n\n${GITHUB}\n`);
  assert.deepEqual(e.hosts, ["github.com"]);
  assert.equal(e.keyType, "ssh-ed25519");
  assert.equal(e.fingerprint, GITHUB_FP);
  assert.equal(e.line, GITHUB);
});

Deno.test("parseKnownHosts accepts ports, lists, hashed hosts, markers and comments", async () => {
  const key = (await generateSshKey("k")).publicKey.split(" ").slice(0, 2).join(" ");
  const entries = parseKnownHosts([
    `[git.example.com]:2222,10.0.0.5 ${key} a comment`,
    `|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= ${key}`,
    `@cert-authority *.example.com ${key}`,
  ].join("\n"));
  assert.deepEqual(entries[0].hosts, ["[git.example.com]:2222", "10.0.0.5"]);
  assert.equal(entries[2].marker, "@cert-authority");
});

Deno.test("parseKnownHosts names the line and the problem", () => {
  assert.throws(() => parseKnownHosts(""), /no entries/);
  assert.throws(
    () => parseKnownHosts(`ok ${GITHUB.split(" ").slice(1).join(" ")}\ngithub.com ssh-ed25519`),
    /line 2/,
  );
  assert.throws(() => parseKnownHosts("github.com ssh-foo AAAA"), /unknown SSH key type/);
  assert.throws(
    () => parseKnownHosts(`git hub ${GITHUB.split(" ").slice(1).join(" ")}`),
    /unknown SSH key type/,
  );
  assert.throws(() => parseKnownHosts(`@weird ${GITHUB}`), /unknown marker/);
  assert.throws(() => parseKnownHosts(`[h]:99999 ${GITHUB.split(" ").slice(1).join(" ")}`), /out of range/);
  assert.throws(() => parseKnownHosts("github.com ssh-rsa " + GITHUB.split(" ")[2]), /holds a "ssh-ed25519"/);
});

Deno.test("knownHostsLine builds plain and port forms", () => {
  const key = GITHUB.split(" ").slice(1).join(" ");
  assert.equal(knownHostsLine("github.com", key + " comment"), GITHUB);
  assert.equal(knownHostsLine("git.example.com", key, 2222), `[git.example.com]:2222 ${key}`);
  assert.throws(() => knownHostsLine("a,b", key), /not a valid host/);
});

Deno.test("gitSshHost and knownHostsFor match the Flux URL's host", () => {
  assert.deepEqual(gitSshHost("ssh://git@github.com/me/homelab.git"), { host: "github.com", port: 22 });
  assert.deepEqual(gitSshHost("ssh://git@git.example.com:2222/me/x.git"), {
    host: "git.example.com",
    port: 2222,
  });
  assert.deepEqual(gitSshHost("git@github.com:me/homelab.git"), { host: "github.com", port: 22 });
  assert.throws(() => gitSshHost("https://github.com/me/homelab.git"), /not an SSH git URL/);
  assert.equal(knownHostsFor("ssh://git@github.com/me/homelab.git", GITHUB).length, 1);
  assert.throws(() => knownHostsFor("ssh://git@gitlab.com/me/x.git", GITHUB), /no key for gitlab.com/);
  assert.throws(
    () => knownHostsFor("ssh://git@github.com:2222/me/x.git", GITHUB),
    /no key for \[github.com\]:2222.*ssh-keyscan -p 2222 github.com/,
  );
});
