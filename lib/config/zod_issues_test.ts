import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { assertEquals } from "../../tests/testing.ts";
import { SourcePositions } from "./positions.ts";
import { ConfigSchema } from "./schema.ts";
import { knownKeys, show, translateIssues, withValue } from "./zod_issues.ts";

function translate(schema: z.ZodType, text: string) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const value = doc.toJS();
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) throw new Error("accepted");
  return translateIssues(r.error.issues, { schema, value, at: new SourcePositions(doc, lineCounter) });
}

Deno.test("withValue and show: the given value after 'must', before 'is'; long values cut, passwords hidden", () => {
  assertEquals(withValue("must be a size", "8GB"), 'must be a size, not "8GB"');
  assertEquals(withValue("is below the minimum", 3), "3 is below the minimum");
  assertEquals(withValue("is required: a size", undefined), "is required: a size");
  assertEquals(withValue("Invalid input", true), "Invalid input (got true)");
  assertEquals(show(null), "nothing");
  assertEquals(show([1]), "a list");
  assertEquals(show({ a: 1 }), "a mapping");
  assertEquals(show("x".repeat(80)).length, 62);
  assertEquals(show("https://u:p@h"), '"https://u:***@h"');
});

Deno.test("type errors say how to write the value", () => {
  const schema = z.strictObject({ n: z.number(), s: z.string(), b: z.boolean(), i: z.number().int() });
  const issues = translate(schema, "n: '12'\ns: 1.5\nb: yes\ni: 2.5\n");
  assertEquals(issues.map((i) => [i.path, i.line, i.hint]), [
    ["n", 1, "write 12 without quotes"],
    ["s", 2, 'quote it: "1.5"'],
    ["b", 3, "write true without quotes"],
    ["i", 4, "use 2 or 3"],
  ]);
  assertEquals(translate(schema, "n: 1\ns: x\nb: true\ni:\n")[0].message, "is empty; it must be a number");
});

Deno.test("an unknown key names the closest known one, and replaces the 'required' issue it explains", () => {
  const issues = translate(ConfigSchema, "cluster: { nmae: homelab }\n");
  const cluster = issues.filter((i) => i.path.startsWith("cluster"));
  assertEquals(cluster.map((i) => [i.path, i.message, i.hint, i.code]), [
    ["cluster.nmae", 'unknown key "nmae"', 'did you mean "name"?', "unknown-key"],
  ]);
  const far = translate(z.strictObject({ alpha: z.string().optional() }), "zzzzzz: 1\n");
  assertEquals(far[0].hint, "known keys here: alpha");
  const secret = translate(z.strictObject({ alpha: z.string().optional() }), "password: x\n");
  assertEquals(secret[0].hint?.startsWith("secrets never go in the config file"), true);
});

Deno.test("enum values get a did-you-mean; discriminated unions report the discriminator", () => {
  const role = translate(z.strictObject({ role: z.enum(["controlplane", "worker"]) }), "role: Worker\n");
  assertEquals([role[0].message, role[0].hint], [
    'must be one of controlplane, worker, not "Worker"',
    "did you mean worker?",
  ]);
  const union = z.strictObject({
    m: z.discriminatedUnion("type", [
      z.strictObject({ type: z.literal("http"), url: z.string() }),
      z.strictObject({ type: z.literal("tcp"), port: z.number() }),
    ]),
  });
  const issues = translate(union, "m: { type: htp, url: x }\n");
  assertEquals(issues.map((i) => [i.path, i.message, i.hint]), [[
    "m.type",
    'must be one of http, tcp, not "htp"',
    "did you mean http?",
  ]]);
  assertEquals(translate(union, "m: { type: tcp, prot: 1 }\n").map((i) => [i.path, i.hint]), [
    ["m.prot", 'did you mean "port"?'],
  ]);
});

Deno.test("a union of mapping and list reports inside the branch the value was meant for", () => {
  const schema = z.strictObject({
    p: z.array(
      z.union([
        z.record(z.string(), z.unknown()),
        z.array(z.strictObject({ op: z.enum(["add", "remove"]) })),
      ]),
    ),
  });
  const issues = translate(schema, "p:\n  - [{ op: ad }]\n");
  assertEquals(issues.map((i) => [i.path, i.hint]), [["p[0][0].op", "did you mean add?"]]);
});

Deno.test("knownKeys follows wrappers, lists, records and discriminated unions", () => {
  assertEquals(knownKeys(ConfigSchema, ["cluster"], {}), ["name"]);
  assertEquals(knownKeys(ConfigSchema, ["nodes", 0, "taints", 0], {}), ["key", "value", "effect"]);
  const monitors = { monitors: { monitors: [{ type: "tcp" }] } };
  const tcp = knownKeys(ConfigSchema, ["monitors", "monitors", 0], monitors);
  assertEquals(tcp.includes("port") && !tcp.includes("url"), true);
  assertEquals(knownKeys(ConfigSchema, ["lab", "faults", "kube"], {}), [
    "errorRate",
    "spikeRate",
    "spikeMs",
    "dropRate",
    "seed",
  ]);
});
