import { assertEquals, assertMatch } from "../../../tests/testing.ts";
import { diskImage, installerImage, nocloudImageUrl } from "./image.ts";

const ID = "dc7b152cb3ea99b821fcb7340ce7168313ce393d663740b791c36f6e95fc8586";

Deno.test("diskImage: qcow2 by default, a Proxmox import file name encoding schematic and version", () => {
  const image = diskImage({ factory: "https://factory.talos.dev/", schematic: ID, version: "1.13.9" });
  assertEquals(image, {
    url: `https://factory.talos.dev/image/${ID}/v1.13.9/nocloud-amd64.qcow2`,
    format: "qcow2",
    filename: "talos-dc7b152cb3ea-v1.13.9-nocloud-amd64.qcow2",
    content: "import",
  });
  // pve-storage: import uploads must match [a-zA-Z0-9\-\.\+\=\_]+\.(ova|qcow2|raw|vmdk)
  assertMatch(image.filename, /^[a-zA-Z0-9\-.+=_]+\.(ova|qcow2|raw|vmdk)$/);
  assertEquals(
    diskImage({ factory: "http://127.0.0.9:8080", schematic: ID, version: "v1.13.9", format: "raw" }).url,
    `http://127.0.0.9:8080/image/${ID}/v1.13.9/nocloud-amd64.raw`,
  );
});

Deno.test("diskImage refuses compressed images: Proxmox import cannot decompress", () => {
  for (const format of ["raw.xz", "raw.zst", "raw.gz"] as const) {
    let message = "";
    try {
      diskImage({ factory: "https://factory.talos.dev", schematic: ID, version: "v1.13.9", format });
    } catch (err) {
      message = (err as Error).message;
    }
    assertMatch(message, /Proxmox cannot import/);
  }
});

Deno.test("installer image is the factory registry's platform installer; compat URL helper", () => {
  assertEquals(
    installerImage("https://factory.talos.dev", ID, "v1.13.9"),
    `factory.talos.dev/nocloud-installer/${ID}:v1.13.9`,
  );
  assertEquals(
    installerImage("http://127.0.0.9:8080/", ID, "1.13.9"),
    `127.0.0.9:8080/nocloud-installer/${ID}:v1.13.9`,
  );
  assertEquals(
    nocloudImageUrl("https://mirror.example/factory/", ID, "v1.13.9", "arm64", "raw.xz"),
    `https://mirror.example/factory/image/${ID}/v1.13.9/nocloud-arm64.raw.xz`,
  );
});
