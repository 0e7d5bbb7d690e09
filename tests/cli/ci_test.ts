/** `.ci/run`: runs the README's test command and ends with "N passed, N failed" from deno's summaries. */
import { assertEquals, assertMatch } from "../testing.ts";
import { ROOT } from "./run.ts";

/** Runs .ci/run with a stand-in `npx` that prints `output` and exits with `code`. */
async function ci(
  output: string,
  code: number,
): Promise<{ code: number; lines: string[]; args: string; log: string }> {
  const bin = await Deno.makeTempDir({ prefix: "strata-ci-" });
  try {
    Deno.writeTextFileSync(`${bin}/output.txt`, output);
    Deno.writeTextFileSync(
      `${bin}/npx`,
      `#!/bin/sh\necho "$@" > "${bin}/args.txt"\ncat "${bin}/output.txt"\nexit ${code}\n`,
      { mode: 0o755 },
    );
    const out = await new Deno.Command(`${ROOT}.ci/run`, {
      env: { PATH: `${bin}:${Deno.env.get("PATH")}`, STRATA_CI_LOG: `${bin}/ci.log` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const lines = new TextDecoder().decode(out.stdout).trimEnd().split("\n");
    return {
      code: out.code,
      lines,
      args: Deno.readTextFileSync(`${bin}/args.txt`).trim(),
      log: Deno.readTextFileSync(`${bin}/ci.log`),
    };
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
}

Deno.test(".ci/run runs `npx -y deno@2 task test`, tees its output and sums every summary", async () => {
  const r = await ci(
    "running 3 tests\nok | 3 passed (2 steps) | 0 failed (1s)\n\nrunning 2 tests\nok | 12 passed | 0 failed | 1 ignored (4s)\n",
    0,
  );
  assertEquals(r.args, "-y deno@2 task test");
  assertEquals(r.code, 0);
  assertEquals(r.lines.at(-1), "15 passed, 0 failed");
  assertEquals(r.lines.includes("ok | 3 passed (2 steps) | 0 failed (1s)"), true, "the output is shown");
  assertEquals(r.log.includes("ok | 12 passed | 0 failed | 1 ignored (4s)"), true, "and teed to the log");
  assertMatch(r.lines.at(-2)!, /^log: \/.+\/ci\.log$/);
});

Deno.test(".ci/run fails when deno test fails, counting the failures", async () => {
  const r = await ci("ok | 4 passed | 0 failed (1s)\nFAILED | 7 passed | 2 failed (9s)\n", 1);
  assertEquals(r.code, 1);
  assertEquals(r.lines.at(-1), "11 passed, 2 failed");
});

Deno.test(".ci/run fails when deno test dies before any summary (e.g. a type error)", async () => {
  const r = await ci("error: Type checking failed.\n", 1);
  assertEquals(r.code, 1);
  assertEquals(r.lines.at(-1), "0 passed, 1 failed");
});
