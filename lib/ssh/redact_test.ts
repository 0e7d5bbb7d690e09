import { assert, assertEquals } from "../../tests/testing.ts";
import { redact } from "./redact.ts";

Deno.test("redaction removes known secrets, token secrets, API token credentials and private keys", () => {
  assertEquals(
    redact("secret hunter22 and hunter2", ["hunter2", "hunter22"]),
    "secret [redacted] and [redacted]",
  );
  assertEquals(redact("value 3F1E2D4C-1111-2222-3333-444455556666."), "value [redacted].");
  assertEquals(
    redact("Authorization: PVEAPIToken=strata@pve!ci=not-a-uuid-secret"),
    "Authorization: PVEAPIToken=strata@pve!ci=[redacted]",
  );
  const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----";
  assertEquals(redact(`before ${key} after`), "before [redacted private key] after");
  assert(
    !redact("-----BEGIN PRIVATE KEY-----\nMIIE truncated").includes("MIIE"),
    "a cut-off key block is removed too",
  );
  assertEquals(
    redact("ab short", ["ab"]),
    "ab short",
    "values under 4 characters are not treated as secrets",
  );
});
