import { assert, assertEquals, assertRejects } from "../../tests/testing.ts";
import { ExitCode, UsageError } from "../errors.ts";
import { flagHelp, type FlagSpecs, parseArgs } from "./args.ts";

const specs: FlagSpecs = {
  config: { type: "string", value: "FILE", help: "cluster config" },
  lab: { type: "boolean", help: "use the lab" },
  "skip-check": { type: "list", value: "ID", help: "skip a check" },
};

Deno.test("flags: --name=value, --name value, booleans, repeatable lists, positionals and --", () => {
  const { flags, rest } = parseArgs(
    ["serve", "--config=a.yaml", "--lab", "--skip-check", "git", "--skip-check=lock", "--", "--lab"],
    specs,
    "lab",
  );
  assertEquals(flags, { config: "a.yaml", lab: true, "skip-check": ["git", "lock"] });
  assertEquals(rest, ["serve", "--lab"]);
});

Deno.test("flags: an unknown flag is a usage error (exit 2) with a did-you-mean", async () => {
  const err = await assertRejects(() =>
    Promise.resolve().then(() => parseArgs(["--cofig", "x"], specs, "plan"))
  );
  assert(err instanceof UsageError);
  assertEquals(err.exitCode, ExitCode.usage);
  assertEquals(err.message, "plan: unknown flag --cofig");
  assertEquals(err.remedy, "did you mean --config? (see plan --help)");
  const far = await assertRejects(() => Promise.resolve().then(() => parseArgs(["--zzzzzz"], specs, "plan")));
  assertEquals((far as UsageError).remedy, "see plan --help");
});

Deno.test("flags: a value is required where one is expected, refused where none is", async () => {
  for (
    const [args, message] of [
      [["--config"], "plan: --config needs a value (FILE)"],
      [["--config", "--lab"], "plan: --config needs a value (FILE)"],
      [["--lab=yes"], "plan: --lab takes no value"],
    ] as const
  ) {
    const err = await assertRejects(() => Promise.resolve().then(() => parseArgs([...args], specs, "plan")));
    assert(err instanceof UsageError, String(err));
    assertEquals(err.message, message);
  }
});

Deno.test("flag help names every flag with its value", () => {
  const help = flagHelp(specs);
  assert(/--config=FILE\s+cluster config/.test(help), help);
  assert(help.includes("--skip-check=ID"), help);
  assert(/--lab\s+use the lab/.test(help), help);
});
