/**
 * The malformed-config corpus: one file per mistake. Each file starts with
 *
 *   # expect: <the YAML path the error must name, or (top) for the whole file>
 *   # why: <words the message or its fix must contain>
 *   # options: lab          (optional: validate as for --lab)
 *
 * Every file must fail with a ConfigError (exit code 2) whose report names that path with its
 * line:column, says why, and never echoes a secret written into the file.
 */
import { assert, assertEquals } from "../testing.ts";
import { ConfigError, parseConfig } from "../../lib/config/mod.ts";
import { ExitCode } from "../../lib/errors.ts";

const dir = new URL("./malformed/", import.meta.url);
const files = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".yaml")).map((e) => e.name).sort();

/** Values planted in the corpus that must never appear in an error report. */
const SECRETS = ["8c5a2b7e-1f4d-4c39-9a1e-0d6f3b2a9e71", "hunter2"];

Deno.test("the corpus has at least 30 malformed configs", () => {
  assert(files.length >= 30, `only ${files.length}`);
});

for (const name of files) {
  Deno.test(`malformed config ${name}: exit 2, names its path with line:column, says why`, () => {
    const text = Deno.readTextFileSync(new URL(name, dir));
    const expected = /^# expect: (.+)\n/.exec(text)?.[1];
    const why = /^# why: (.+)$/m.exec(text)?.[1];
    const lab = /^# options: lab$/m.test(text);
    assert(expected && why, "the file must start with '# expect: <path>' and '# why: <words>'");

    let error: unknown;
    try {
      parseConfig(text, name, { lab });
    } catch (err) {
      error = err;
    }
    assert(error instanceof ConfigError, `${name} was accepted`);
    assertEquals(error.exitCode, ExitCode.usage);
    const path = expected === "(top)" ? "" : expected;
    const issue = error.issues.find((i) => i.path === path && `${i.message} ${i.hint ?? ""}`.includes(why));
    assert(
      issue,
      `no issue at ${expected} saying "${why}"; got:\n${
        error.issues.map((i) => `${i.path}: ${i.message}`).join("\n")
      }`,
    );
    assert(issue.line && issue.column, `no line:column for ${expected}`);
    const located = `${name}:${issue.line}:${issue.column}: ${path ? `${path}: ` : ""}`;
    assert(error.message.includes(located), `the report lacks "${located}":\n${error.message}`);
    for (const secret of SECRETS) {
      assert(!error.message.includes(secret), `the report shows a secret:\n${error.message}`);
    }
  });
}
