// `deno task workers:deploy` refuses clearly without credentials and never contacts Cloudflare.
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

async function task(args: string[], env: Record<string, string> = {}) {
  const clean = Deno.env.toObject();
  delete clean.CLOUDFLARE_API_TOKEN;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", ...args],
    cwd: ROOT,
    env: { ...clean, ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("workers:deploy without CLOUDFLARE_API_TOKEN fails with exit 2 and says how to fix it", async () => {
  const { code, stderr } = await task(["workers:deploy", "monitor"]);
  assert.equal(code, 2);
  assert.match(
    stderr,
    /error: CLOUDFLARE_API_TOKEN is not set; deploying needs a Cloudflare API token/,
  );
  assert.match(
    stderr,
    /fix: create one at https:\/\/dash\.cloudflare\.com\/profile\/api-tokens/,
  );
});

Deno.test("workers:deploy with a token but the placeholder D1 id refuses before calling wrangler", async () => {
  const { code, stderr } = await task(["workers:deploy", "monitor"], {
    CLOUDFLARE_API_TOKEN: "dummy-not-used",
  });
  assert.equal(code, 2);
  assert.match(
    stderr,
    /wrangler\.jsonc still has the placeholder D1 database_id/,
  );
  assert.ok(!stderr.includes("dummy-not-used"));
});

Deno.test("workers tasks name the available workers on a bad name", async () => {
  const { code, stderr } = await task(["workers:dev", "nope"]);
  assert.equal(code, 2);
  assert.match(stderr, /no worker "nope".*\n.*workers: monitor/);
});
