/** tar.gz: our reader against archives made by the system's `tar`, and our writer read back by it. */
import assert from "node:assert/strict";
import { createTarGz, extractTarGzFile } from "./targz.ts";

async function run(cmd: string, args: string[], cwd: string): Promise<Uint8Array> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return out.stdout;
}

Deno.test("reads the kubeconfig out of an archive made by tar(1), also with long names", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/kubeconfig`, "apiVersion: v1\nkind: Config\n");
    const long = "d".repeat(120);
    await Deno.writeTextFile(`${dir}/${long}`, "long");
    await run("tar", ["-czf", "a.tar.gz", "--format=gnu", "kubeconfig", long], dir);
    const archive = await Deno.readFile(`${dir}/a.tar.gz`);
    assert.equal(
      new TextDecoder().decode(extractTarGzFile(archive, "kubeconfig")),
      "apiVersion: v1\nkind: Config\n",
    );
    assert.equal(new TextDecoder().decode(extractTarGzFile(archive, long)), "long");
    await run("tar", ["-czf", "b.tar.gz", "--format=pax", long], dir);
    assert.equal(
      new TextDecoder().decode(extractTarGzFile(await Deno.readFile(`${dir}/b.tar.gz`), long)),
      "long",
    );
    assert.throws(() => extractTarGzFile(archive, "talosconfig"), /has no file talosconfig/);
    assert.throws(() => extractTarGzFile(new Uint8Array([1, 2, 3]), "kubeconfig"), /not a gzip stream/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("our archives are read by tar(1) with name, mode and content intact", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = new TextEncoder().encode("x".repeat(1000));
    await Deno.writeFile(
      `${dir}/k.tar.gz`,
      createTarGz([{ name: "kubeconfig", data, mode: 0o600, mtimeMs: 1_700_000_000_000 }]),
    );
    const listing = new TextDecoder().decode(await run("tar", ["-tvzf", "k.tar.gz"], dir));
    assert.match(listing, /^-rw------- .* 1000 .*kubeconfig\n$/);
    await run("tar", ["-xzf", "k.tar.gz"], dir);
    assert.equal(await Deno.readTextFile(`${dir}/kubeconfig`), "x".repeat(1000));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
