/**
 * The live view as a person sees it: strata run on a real pseudo-terminal (util-linux `script`).
 */
import { assert, assertEquals } from "../testing.ts";
import { ROOT, tempWorkdir } from "./run.ts";

const script = await new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
  .output().then((o) => o.success, () => false);
if (!script) console.log("tests/cli/live_test.ts: skipped, `script` (util-linux) is not installed");

const ESC = String.fromCharCode(27);

/** Runs strata on a pseudo-terminal of 100×30; returns everything the terminal received. */
async function onTerminal(cwd: string, args: string[], env: Record<string, string> = {}) {
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const cmd = `stty cols 100 rows 30; ${
    [Deno.execPath(), "run", "-A", `${ROOT}bootstrap.ts`, ...args].map(quote).join(" ")
  }`;
  const out = await new Deno.Command("script", {
    args: ["-q", "-e", "-c", cmd, "/dev/null"],
    cwd,
    env: { XDG_CONFIG_HOME: `${cwd}/home/.config`, STRATA_AGE_KEY: "", TERM: "xterm", ...env },
    clearEnv: false,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
  };
}

Deno.test({
  name: "on a terminal, bootstrap --lab draws the live view in place, then the summary, and exits 0",
  ignore: !script,
  async fn() {
    const cwd = await tempWorkdir();
    const { code, text } = await onTerminal(cwd, ["bootstrap", "--lab"], { NO_COLOR: "" });
    assertEquals(code, 0, text);
    assert(new RegExp(`${ESC}\\[\\d+A${ESC}\\[0J`).test(text), "redraws in place (cursor up, clear)");
    assert(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/.test(text), "spinners");
    assert(text.includes("strata bootstrap · "), "a header with the elapsed time");
    assert(
      text.includes(`${ESC}[32m✓${ESC}[0m ${ESC}[36mlayer 00-persistent-auth`),
      "finished layers fold, in colour",
    );
    assert(text.includes("preflight:"), "the preflight table");
    const summary = text.slice(text.lastIndexOf("Summary"));
    for (const layer of ["00-persistent-auth", "01-infrastructure", "02-services", "03-configuration"]) {
      assert(new RegExp(`layer ${layer}\\s+done`).test(summary), `${layer} in the summary:\n${summary}`);
    }
    assert(summary.includes("total ") && summary.includes("next: deno task status --lab"), summary);
    await Deno.remove(cwd, { recursive: true });
  },
});

Deno.test({
  name: "on a terminal, NO_COLOR keeps the live view but drops the colours",
  ignore: !script,
  async fn() {
    const cwd = await tempWorkdir();
    const { code, text } = await onTerminal(cwd, ["preflight", "--lab"], { NO_COLOR: "1" });
    assertEquals(code, 0, text);
    assert(text.includes("pass  config"), text);
    assert(
      !new RegExp(`${ESC}\\[[0-9;]*m`).test(text),
      `colour codes despite NO_COLOR:\n${JSON.stringify(text)}`,
    );
    await Deno.remove(cwd, { recursive: true });
  },
});
