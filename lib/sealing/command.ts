/**
 * `deno task seal`: a kubeseal-compatible command. Reads a Secret (YAML or JSON, from `-f FILE` or
 * stdin) and writes a SealedSecret the controller can decrypt; `--raw` seals one value.
 *
 * @example
 * ```ts
 * const code = await runSeal(["--scope", "namespace-wide", "-o", "yaml"], {
 *   stdin: Deno.stdin.readable, stdout: Deno.stdout.writable, stderr: Deno.stderr.writable,
 *   defaultCert: () => loadLayer00Certificate(),
 * });
 * ```
 */
import { parseArgs } from "node:util";
import { ExitCode, exitCodeOf, StrataError, UsageError } from "../errors.ts";
import { sealingKeyFromCertificate } from "./certificate.ts";
import { parseScope, type SealingScope } from "./scope.ts";
import { formatSealedSecret, sealRaw, sealSecret } from "./seal.ts";
import { parseSecrets } from "./secret_input.ts";

/** Streams and hooks the command uses; everything else comes from the arguments. */
export interface SealIo {
  stdin: ReadableStream<Uint8Array>;
  stdout: WritableStream<Uint8Array>;
  stderr: WritableStream<Uint8Array>;
  /** The cluster's sealing certificate (layer 00) when `--cert` is not given. */
  defaultCert?: () => Promise<string>;
  /** For the certificate expiry check; default the system time. */
  now?: () => Date;
}

export const SEAL_HELP = `Usage: deno task seal [options] < secret.yaml > sealed-secret.json

Seal a Kubernetes Secret into a SealedSecret (bitnami.com/v1alpha1) that the sealed-secrets
controller decrypts. Compatible with kubeseal's sealing flags and output.

Options:
  --cert FILE                 certificate to seal with (default: the cluster's layer-00 certificate)
  --scope SCOPE               strict (default), namespace-wide or cluster-wide; without it the
                              Secret's sealedsecrets.bitnami.com/{namespace,cluster}-wide annotations decide
  -f, --secret-file FILE      read the Secret from FILE instead of stdin
  -w, --sealed-secret-file F  write the result to F instead of stdout
  -o, --format json|yaml      output format (default json, as kubeseal)
  --name NAME                 name of the secret (overrides metadata.name; required with --raw and strict scope)
  -n, --namespace NS          namespace (fills a missing metadata.namespace; required with --raw unless cluster-wide)
  --allow-empty-data          seal a Secret without data
  --raw                       seal one value read from stdin (or --from-file) and print its base64 ciphertext
  --from-file [KEY=]FILE      with --raw: read the value from FILE
  -h, --help                  show this help

Scopes: strict binds a value to namespace and name, namespace-wide to the namespace, cluster-wide to
nothing. Exit codes: 0 sealed, 2 bad input or options.
`;

/** Runs the command; returns the exit code (errors are printed to stderr, never secrets). */
export async function runSeal(args: string[], io: SealIo): Promise<number> {
  try {
    return await seal(args, io);
  } catch (err) {
    const remedy = err instanceof StrataError && err.remedy ? `\n  fix: ${err.remedy}` : "";
    await write(io.stderr, `error: ${(err as Error).message}${remedy}\n`);
    return exitCodeOf(err);
  }
}

async function seal(args: string[], io: SealIo): Promise<number> {
  const flags = parseFlags(args);
  if (flags.help) {
    await write(io.stdout, SEAL_HELP);
    return ExitCode.ok;
  }
  const format = flags.format ?? "json";
  if (format !== "json" && format !== "yaml") {
    throw new UsageError(`--format "${format}" is not supported`, "use json or yaml");
  }
  if (flags["from-file"] && !flags.raw) throw new UsageError("--from-file requires --raw");
  const scope: SealingScope | undefined = flags.scope === undefined ? undefined : parseScope(flags.scope);

  const certText = await loadCertificate(flags.cert, io);
  const publicKey = sealingKeyFromCertificate(
    certText,
    io.now?.() ?? new Date(),
    flags.cert ?? "the cluster certificate",
  );

  let output: string;
  if (flags.raw) {
    const value = flags["from-file"]
      ? await readFile(flags["from-file"].replace(/^[^=]*=/, ""), "--from-file")
      : await readAll(io.stdin);
    output = await sealRaw(value, publicKey, {
      scope: scope ?? "strict",
      name: flags.name,
      namespace: flags.namespace,
    });
  } else {
    const source = flags["secret-file"] ?? "stdin";
    const bytes = flags["secret-file"]
      ? await readFile(flags["secret-file"], "--secret-file")
      : await readAll(io.stdin);
    const text = decodeUtf8(bytes, source);
    const parts: string[] = [];
    for (const secret of parseSecrets(text, source)) {
      const sealed = await sealSecret(secret, publicKey, {
        scope,
        name: flags.name,
        namespace: flags.namespace,
        allowEmptyData: flags["allow-empty-data"],
      });
      parts.push(formatSealedSecret(sealed, format));
    }
    output = parts.join("");
  }

  if (flags["sealed-secret-file"]) {
    await Deno.writeTextFile(flags["sealed-secret-file"], output);
  } else {
    await write(io.stdout, output);
  }
  return ExitCode.ok;
}

interface Flags {
  cert?: string;
  scope?: string;
  "secret-file"?: string;
  "sealed-secret-file"?: string;
  format?: string;
  name?: string;
  namespace?: string;
  "allow-empty-data"?: boolean;
  raw?: boolean;
  "from-file"?: string;
  help?: boolean;
}

function parseFlags(args: string[]): Flags {
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        cert: { type: "string" },
        scope: { type: "string" },
        "secret-file": { type: "string", short: "f" },
        "sealed-secret-file": { type: "string", short: "w" },
        format: { type: "string", short: "o" },
        name: { type: "string" },
        namespace: { type: "string", short: "n" },
        "allow-empty-data": { type: "boolean" },
        raw: { type: "boolean" },
        "from-file": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    return values as Flags;
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0], "see `deno task seal --help`");
  }
}

async function loadCertificate(path: string | undefined, io: SealIo): Promise<string> {
  if (path) return decodeUtf8(await readFile(path, "--cert"), path);
  if (!io.defaultCert) {
    throw new UsageError(
      "no certificate to seal with",
      "pass --cert FILE (e.g. the output of `kubeseal --fetch-cert`), or run `deno task bootstrap` so layer 00 holds the cluster's certificate",
    );
  }
  return await io.defaultCert();
}

async function readFile(path: string, flag: string): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return await Deno.readFile(path) as Uint8Array<ArrayBuffer>;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new UsageError(`${flag} ${path}: no such file`);
    if (e instanceof Deno.errors.IsADirectory) throw new UsageError(`${flag} ${path}: is a directory`);
    throw new UsageError(`${flag} ${path}: ${(e as Error).message}`);
  }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function decodeUtf8(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${source} is not UTF-8 text`);
  }
}

async function write(stream: WritableStream<Uint8Array>, text: string): Promise<void> {
  const writer = stream.getWriter();
  try {
    await writer.write(new TextEncoder().encode(text));
  } finally {
    writer.releaseLock();
  }
}
