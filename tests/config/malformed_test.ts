/**
 * The malformed-config corpus: each file names, on its first line, the YAML path the error
 * must point at. Every one must fail with exit code 2, name that path and give line:column.
 */
import { assert, assertEquals } from "../testing.ts";
import { ConfigError, parseConfig } from "../../lib/config/mod.ts";
import { ExitCode } from "../../lib/errors.ts";

const dir = new URL("./malformed/", import.meta.url);
const files = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".yaml")).map((e) => e.name).sort();

Deno.test("the corpus has at least 30 malformed configs", () => {
  assert(files.length >= 30, `only ${files.length}`);
});

for (const name of files) {
  Deno.test(`malformed config ${name} is rejected with its path and position`, () => {
    const text = Deno.readTextFileSync(new URL(name, dir));
    const expected = /^# expect: (\S+)/.exec(text)?.[1];
    assert(expected, "first line must be '# expect: <path>'");
    let error: unknown;
    try {
      parseConfig(text, name);
    } catch (err) {
      error = err;
    }
    assert(error instanceof ConfigError, `${name} was accepted`);
    assertEquals(error.exitCode, ExitCode.usage);
    const issue = error.issues.find((i) => (i.path || "(top)") === expected);
    assert(issue, `no issue at ${expected}; got: ${error.issues.map((i) => i.path).join(", ")}`);
    assert(issue.line && issue.column, `no line:column for ${expected}`);
    assert(error.message.includes(`${name}:${issue.line}:${issue.column}: ${expected}`), error.message);
  });
}
