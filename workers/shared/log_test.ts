import assert from "node:assert/strict";
import { log, redact } from "./log.ts";

Deno.test("redact hides secret-looking fields at any depth", () => {
  assert.deepEqual(
    redact({
      a: 1,
      token: "t",
      nested: { webhookUrl: "u", list: [{ password: "p" }] },
    }),
    {
      a: 1,
      token: "[redacted]",
      nested: { webhookUrl: "[redacted]", list: [{ password: "[redacted]" }] },
    },
  );
});

Deno.test("log writes one JSON line without secrets", () => {
  const lines: string[] = [];
  const original = console.log;
  console.log = (line: string) => lines.push(line);
  try {
    log("info", "tick", { due: 3, apiToken: "s3cret" });
  } finally {
    console.log = original;
  }
  assert.deepEqual(JSON.parse(lines[0]), {
    level: "info",
    event: "tick",
    due: 3,
    apiToken: "[redacted]",
  });
});
