/**
 * `deno task bench [SCENARIO …] [--json]`: runs the benchmark scenarios and prints their figures.
 * Figures are ratios measured within one run (this machine is noisy); no test asserts on them.
 *
 * Scenarios live in `bench/<name>.ts`, each exporting one function; register it below.
 */
import { runClusterBenchGrid } from "./cluster.ts";
import { runVmBenchGrid } from "./vms.ts";
import { runWorkersBench } from "./workers.ts";
import { runEngineBench } from "../lib/engine/bench.ts";

type Scenario = { describe: string; run: () => Promise<unknown> };

const SCENARIOS: Record<string, Scenario> = {
  vms: {
    describe:
      "layer 01 image + VMs: 3/10/50 VMs on 1 and 3 lab hosts, realistic profile, ratio to the lower bound",
    run: () => runVmBenchGrid(),
  },
  cluster: {
    describe:
      "layer 01 whole: empty host → 3/10/50 nodes Ready and probed, realistic profile, ratio to the lower bound",
    run: () => runClusterBenchGrid(),
  },
  engine: {
    describe: "engine and state: checkpoint cost, per-step overhead, makespan vs bound under host limits",
    run: () => runEngineBench(),
  },
  workers: {
    describe: "edge monitor in workerd: checks/s, CPU per check, monitors per tick per plan",
    run: () => runWorkersBench(),
  },
};

const HELP = `Usage: deno task bench [SCENARIO …] [--json]

Runs every scenario, or the ones named. Scenarios:
${Object.entries(SCENARIOS).map(([name, s]) => `  ${name.padEnd(12)} ${s.describe}`).join("\n")}

  --json   one JSON object per scenario, one per line
  --help   this text`;

if (import.meta.main) {
  const args = Deno.args;
  if (args.includes("--help") || args.includes("-h")) {
    console.log(HELP);
    Deno.exit(0);
  }
  const json = args.includes("--json");
  const names = args.filter((a) => !a.startsWith("--"));
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length) {
    console.error(`unknown scenario: ${unknown.join(", ")}\n\n${HELP}`);
    Deno.exit(2);
  }
  for (const name of names.length ? names : Object.keys(SCENARIOS)) {
    const started = performance.now();
    const result = await SCENARIOS[name].run();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (json) console.log(JSON.stringify({ scenario: name, seconds: Number(seconds), result }));
    else console.log(`\n== ${name} (${seconds}s)\n${JSON.stringify(result, null, 2)}`);
  }
}
