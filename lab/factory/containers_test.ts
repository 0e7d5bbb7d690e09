import { assertEquals } from "../../tests/testing.ts";
import { crc32, gzip, tarOne, xzStore, zstdStore } from "./containers.ts";

async function run(cmd: string, args: string[], input: Uint8Array): Promise<Uint8Array> {
  const p = new Deno.Command(cmd, { args, stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
  const output = p.output(); // read while writing, or a full pipe blocks both sides
  const w = p.stdin.getWriter();
  await w.write(input);
  await w.close();
  const out = await output;
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return out.stdout;
}

function sample(n: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 0xff);
}

Deno.test("crc32 matches the standard check value", () => {
  assertEquals(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

Deno.test("xz, zstd, gzip and tar containers are accepted and round-trip through the real tools", async () => {
  for (const n of [0, 1, 5000, 70000, 300000]) {
    const data = sample(n);
    assertEquals(Array.from(await run("xz", ["-dc"], xzStore(data))), Array.from(data), `xz ${n}`);
    assertEquals(Array.from(await run("zstd", ["-dcq"], zstdStore(data))), Array.from(data), `zstd ${n}`);
    assertEquals(Array.from(await run("gzip", ["-dc"], await gzip(data))), Array.from(data), `gzip ${n}`);
    assertEquals(
      Array.from(await run("tar", ["-xOf", "-"], tarOne("disk.raw", data))),
      Array.from(data),
      `tar ${n}`,
    );
  }
});
