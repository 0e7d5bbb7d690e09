/** Runs strata as a user would, in a temp working directory with its own age identity. */
export const ROOT = new URL("../../", import.meta.url).pathname;

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export async function tempWorkdir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "strata-cli-" });
  await Deno.mkdir(`${dir}/home`);
  return dir;
}

export function strataCommand(cwd: string, args: string[], env: Record<string, string> = {}): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}bootstrap.ts`, ...args],
    cwd,
    env: { NO_COLOR: "1", XDG_CONFIG_HOME: `${cwd}/home/.config`, STRATA_AGE_KEY: "", ...env },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  });
}

export async function strata(cwd: string, ...args: string[]): Promise<Result> {
  const out = await strataCommand(cwd, args).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Every file under `dir` with its content, for "nothing changed" assertions. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) walk(p);
      else out[p] = Deno.readTextFileSync(p);
    }
  };
  try {
    walk(dir);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out;
}

/**
 * Reads a child's output until `text` appears; fails (instead of spinning) when the stream ends
 * first, with everything read so far.
 */
export async function readUntil(
  reader: ReadableStreamDefaultReader<string>,
  text: string,
  seen = "",
): Promise<string> {
  while (!seen.includes(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`output ended before ${JSON.stringify(text)} appeared:\n${seen}`);
    seen += value;
  }
  return seen;
}

/** Reads the rest of a child's output. */
export async function readAll(reader: ReadableStreamDefaultReader<string>, seen = ""): Promise<string> {
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return seen;
    seen += value;
  }
}
