import { assert } from "../../tests/testing.ts";
import { commandHelp, COMMANDS, mainHelp } from "./main.ts";

Deno.test("strata --help lists every command and the exit codes", () => {
  const help = mainHelp();
  for (const name of Object.keys(COMMANDS)) assert(help.includes(`  ${name} `), `${name} missing:\n${help}`);
  for (const code of ["0 success", "1 a step failed", "2 usage or config error", "3 preflight failed"]) {
    assert(help.includes(code), `${code} missing`);
  }
  assert(help.includes("4 refused by a safety rule") && help.includes("130 interrupted"));
});

Deno.test("every command's help names each of its flags and the exit codes", () => {
  for (const [name, command] of Object.entries(COMMANDS)) {
    const help = commandHelp(name);
    assert(help.startsWith(`Usage: deno task ${name}`), help);
    for (const flag of Object.keys(command.flags)) {
      assert(help.includes(`--${flag}`), `${name} --help lacks --${flag}:\n${help}`);
    }
    assert(help.includes("130 interrupted"), `${name} --help lacks the exit codes`);
  }
});

Deno.test("the commands of issue 2 take the flags it names", () => {
  const expected: Record<string, string[]> = {
    bootstrap: [
      "config",
      "start-from",
      "only",
      "lab",
      "yes",
      "json",
      "skip-check",
      "allow-dirty",
      "lab-trace",
    ],
    destroy: ["from", "including-persistent-auth", "confirm", "yes", "lab", "state-dir"],
    plan: ["config", "lab", "json"],
    status: ["lab", "json", "state-dir"],
    preflight: ["lab", "skip-check", "allow-dirty"],
    render: ["out", "config"],
    lab: ["state-dir", "lab-trace", "config"],
  };
  for (const [name, flags] of Object.entries(expected)) {
    for (const f of flags) assert(f in COMMANDS[name].flags, `${name} lacks --${f}`);
  }
  assert("schema" in COMMANDS);
});
