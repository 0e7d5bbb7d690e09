import * as age from "age-encryption";
import { assert, assertEquals, assertRejects } from "../../tests/testing.ts";
import { StrataError, UsageError } from "../errors.ts";
import { decryptText, encryptText, identityCreatedMessage, identityPath, loadIdentity } from "./identity.ts";

const mode = (p: string) => Deno.statSync(p).mode! & 0o777;

Deno.test("the identity lives in XDG_CONFIG_HOME, else ~/.config; without either it is a usage error", () => {
  assertEquals(identityPath({ XDG_CONFIG_HOME: "/x", HOME: "/h" }), "/x/strata/age-identity.txt");
  assertEquals(identityPath({ HOME: "/h" }), "/h/.config/strata/age-identity.txt");
  try {
    identityPath({});
    throw new Error("accepted");
  } catch (err) {
    assert(err instanceof UsageError && err.remedy!.includes("STRATA_AGE_KEY"), String(err));
  }
});

Deno.test("created on first use (0600 in a 0700 folder, with a back-up note), then read back", async () => {
  const dir = await Deno.makeTempDir();
  const env = { HOME: dir };
  assertEquals(await loadIdentity({ env }), undefined, "not created without create");
  const made = (await loadIdentity({ env, create: true }))!;
  const path = `${dir}/.config/strata/age-identity.txt`;
  assertEquals([made.created, made.source], [true, path]);
  assertEquals([mode(path), mode(`${dir}/.config/strata`)], [0o600, 0o700]);
  const text = Deno.readTextFileSync(path);
  assert(text.includes("Back it up") && text.includes(made.recipient) && text.includes(made.identity));
  assertEquals(await age.identityToRecipient(made.identity), made.recipient);
  const message = identityCreatedMessage(made);
  assert(
    message.includes(path) && message.includes("back it up") && !message.includes(made.identity),
    message,
  );
  const again = (await loadIdentity({ env, create: true }))!;
  assertEquals([again.created, again.identity], [false, made.identity]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("two runs creating the identity at once end up with the same one", async () => {
  const dir = await Deno.makeTempDir();
  const ids = await Promise.all(
    Array.from({ length: 6 }, () => loadIdentity({ env: { HOME: dir }, create: true })),
  );
  assertEquals(new Set(ids.map((i) => i!.identity)).size, 1);
  assertEquals(ids.filter((i) => i!.created).length, 1);
  assertEquals([...Deno.readDirSync(`${dir}/.config/strata`)].map((e) => e.name), ["age-identity.txt"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("STRATA_AGE_KEY overrides the file; a bad one is a usage error that does not echo it", async () => {
  const dir = await Deno.makeTempDir();
  const key = await age.generateX25519Identity();
  const id = (await loadIdentity({ env: { HOME: dir, STRATA_AGE_KEY: ` ${key}\n` }, create: true }))!;
  assertEquals([id.identity, id.source, id.created], [key, "STRATA_AGE_KEY", false]);
  assertEquals([...Deno.readDirSync(dir)], [], "no identity file created");
  for (const bad of ["not-a-key-at-all", "AGE-SECRET-KEY-1QQQQQQTHISISNOTVALID"]) {
    const err = await assertRejects(() => loadIdentity({ env: { HOME: dir, STRATA_AGE_KEY: bad } }));
    assert(
      err instanceof UsageError && !err.message.includes(bad) && !err.remedy?.includes(bad),
      String(err),
    );
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an identity file without a key line is an error naming the file", async () => {
  const dir = await Deno.makeTempDir();
  Deno.mkdirSync(`${dir}/strata`);
  Deno.writeTextFileSync(`${dir}/strata/age-identity.txt`, "# nothing here\n");
  const err = await assertRejects(() => loadIdentity({ env: { XDG_CONFIG_HOME: dir }, create: true }));
  assert(err instanceof StrataError && err.message.includes(`${dir}/strata/age-identity.txt`), String(err));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("encryptText/decryptText round trip; the armor holds no plain text", async () => {
  const identity = await age.generateX25519Identity();
  const armored = await encryptText(await age.identityToRecipient(identity), "the-secret");
  assert(armored.startsWith("-----BEGIN AGE ENCRYPTED FILE-----") && !armored.includes("the-secret"));
  assertEquals(await decryptText(identity, armored), "the-secret");
  const other = await age.generateX25519Identity();
  await assertRejects(() => decryptText(other, armored));
});
