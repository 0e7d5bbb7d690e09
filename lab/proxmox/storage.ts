/**
 * Emulated storage endpoints (pve-storage): the storage index and status, volume lists and
 * deletion, and `download-url`, which really downloads (from loopback), takes the profile's
 * `imageDownload` time and verifies the checksum as PVE does.
 */
import type { ApiHandler, ApiRequest } from "./context.ts";
import { die, paramException } from "./exception.ts";
import { digest, fetchLoopback } from "./download.ts";
import { encodeText, type StorageState, storageUsed } from "./host.ts";

/** `parse_volname` for the storages the lab has: content type, owner VM and format of a volume. */
export function classifyVolume(volid: string): { vtype: string; owner?: number; format: string } {
  const [, name = ""] = volid.split(/:(.*)/s);
  const file = /^(import|iso|vztmpl|snippets)\/(.+)$/.exec(name);
  if (file) {
    const ext = /\.([a-z0-9]+)$/i.exec(file[2])?.[1]?.toLowerCase() ?? "raw";
    return { vtype: file[1], format: file[1] === "iso" ? "iso" : ext };
  }
  const owned = /^(?:vm|base)-(\d+)-\S+$/.exec(name);
  return {
    vtype: "images",
    owner: owned ? Number(owned[1]) : undefined,
    format: /\.(qcow2|raw|vmdk)$/.exec(name)?.[1] ?? "raw",
  };
}

function storageConfig(req: ApiRequest, id: string): StorageState {
  const s = req.host.state.storages[id];
  if (!s) die(`storage '${id}' does not exist\n`);
  return s;
}

function storageInfo(id: string, s: StorageState) {
  const used = storageUsed(s);
  return {
    storage: id,
    type: s.type,
    content: [...s.content].sort().join(","),
    shared: s.shared ? 1 : 0,
    active: 1,
    enabled: 1,
    total: s.totalBytes,
    used,
    avail: s.totalBytes - used,
  };
}

/** `check_volume_access` (without an owning VM): who may see a volume. */
function mayAccessVolume(req: ApiRequest, storage: string, volid: string): boolean {
  if (req.perms.check(`/storage/${storage}`, ["Datastore.Allocate"], true)) return true;
  const { vtype, owner } = classifyVolume(volid);
  if (vtype === "iso" || vtype === "vztmpl" || vtype === "import") {
    return req.perms.checkAny(`/storage/${storage}`, ["Datastore.AllocateSpace", "Datastore.Audit"], true);
  }
  if (owner !== undefined) {
    return req.perms.check(`/storage/${storage}`, ["Datastore.Audit"], true) &&
      req.perms.check(`/vms/${owner}`, ["VM.Config.Disk"], true);
  }
  return false;
}

const CONTENT_TYPES = ["rootdir", "images", "vztmpl", "iso", "backup", "snippets", "import"];

export const STORAGE_HANDLERS: Record<string, ApiHandler> = {
  "GET /nodes/{node}/storage": (req) => {
    // every lab storage is enabled, so `enabled` filters nothing
    const { storage, content } = req.params;
    const wanted = content ? content.split(/[,;\s]+/).filter(Boolean) : undefined;
    const all = Object.entries(req.host.state.storages);
    if (storage && !req.host.state.storages[storage]) throw paramException({ storage: "No such storage." });
    return all
      .filter(([, s]) => !wanted || wanted.some((c) => s.content.includes(c)))
      .filter(([id]) =>
        req.perms.checkAny(`/storage/${id}`, ["Datastore.Audit", "Datastore.AllocateSpace"], true)
      )
      .filter(([id]) => !storage || storage === id)
      .map(([id, s]) => ({ ...storageInfo(id, s), used_fraction: storageUsed(s) / s.totalBytes }));
  },

  "GET /nodes/{node}/storage/{storage}/status": (req) => {
    const s = req.host.state.storages[req.params.storage];
    if (!s) throw paramException({ storage: "No such storage." });
    const { storage: _id, ...info } = storageInfo(req.params.storage, s);
    return info;
  },

  "GET /nodes/{node}/storage/{storage}/content": (req) => {
    const id = req.params.storage;
    const s = storageConfig(req, id);
    const types = (req.params.content ? [req.params.content] : CONTENT_TYPES).filter((c) =>
      s.content.includes(c)
    );
    const vmid = req.params.vmid === undefined ? undefined : Number(req.params.vmid);
    return Object.entries(s.volumes)
      .map(([volid, size]) => ({ volid, size, ...classifyVolume(volid) }))
      .filter((v) => types.includes(v.vtype))
      .filter((v) => vmid === undefined || v.owner === vmid)
      .filter((v) => mayAccessVolume(req, id, v.volid))
      .sort((a, b) => a.volid.localeCompare(b.volid))
      .map((v) => ({
        volid: v.volid,
        content: v.vtype,
        format: v.format,
        size: v.size,
        ...(v.owner !== undefined ? { vmid: v.owner } : {}),
        ...(s.ctime?.[v.volid] ? { ctime: s.ctime[v.volid] } : {}),
      }));
  },

  "DELETE /nodes/{node}/storage/{storage}/content/{volume}": (req) => {
    const { storage, volume } = req.params;
    let volid = volume;
    let storeid = storage;
    if (volume.includes(":")) {
      const sid = volume.split(":")[0];
      if (storage && sid !== storage) {
        throw paramException({ volume: `storage ID mismatch (${sid} != ${storage})\n` });
      }
      storeid = sid;
    } else {
      volid = `${storage}:${volume}`;
    }
    const s = storageConfig(req, storeid);
    const { owner } = classifyVolume(volid);
    req.perms.check(`/storage/${storeid}`, ["Datastore.Allocate"]);
    if (s.volumes[volid] === undefined) die(`no such volume '${volid}'\n`);
    const id = `${owner !== undefined ? `${owner}@` : ""}${storeid}`;
    return req.host.tasks.fork("imgdel", id, req.authid, async (t) => {
      await req.host.delay("apiCall", req.host.closing);
      const running = owner !== undefined && req.host.state.vms[owner]?.status === "running" &&
        Object.values(req.host.state.vms[owner].config).some((v) => v.split(",")[0] === volid);
      if (running && s.type === "lvmthin") {
        const lv = volid.split(":")[1];
        die(`lvremove 'pve/${lv}' error:   Logical volume pve/${lv} in use.\n`);
      }
      delete s.volumes[volid];
      t.log(`Removed volume '${volid}'`);
    });
  },

  "POST /nodes/{node}/storage/{storage}/download-url": (req) => downloadUrl(req),
};

function downloadUrl(req: ApiRequest): string {
  const { storage, content, url } = req.params;
  const s = storageConfig(req, storage);
  if (!s.path) die(`can't upload to storage type '${s.type}', not a file based storage!\n`);
  if (!s.content.includes(content)) {
    die(`storage '${storage}' is not configured for content-type '${content}'\n`);
  }
  const filename = req.params.filename.replace(/\n$/, "").replace(/^.*[/\\]/, "").replace(
    /[^a-zA-Z0-9_.-]/g,
    "_",
  );
  if (content === "iso" && !/[^/]+\.(?:iso|img)$/i.test(filename)) {
    throw paramException({ filename: "wrong file extension" });
  }
  if (content === "vztmpl" && !/[^/]+\.(?:tar|tar\.(?:gz|xz|zst|bz2))$/i.test(filename)) {
    throw paramException({ filename: "wrong file extension" });
  }
  if (content === "import" && !/[a-zA-Z0-9\-.+=_]+\.(ova|qcow2|raw|vmdk)$/.test(filename)) {
    throw paramException({ filename: "invalid filename or wrong extension" });
  }
  const volid = `${storage}:${content}/${filename}`;
  const dest = `${s.path}/${
    content === "images"
      ? "images"
      : content === "vztmpl"
      ? "template/cache"
      : content === "iso"
      ? "template/iso"
      : content
  }/${filename}`;
  const algorithm = req.params["checksum-algorithm"];
  const expected = req.params.checksum;
  const verifyCertificates = req.params["verify-certificates"] !== "0";
  return req.host.tasks.fork("download", encodeText(filename), req.authid, async (t) => {
    t.log(`downloading ${url} to ${dest}`);
    if (s.volumes[volid] !== undefined) {
      if (!expected || !algorithm) die(`refusing to override existing file '${dest}'\n`);
      const got = s.digests?.[volid]?.[algorithm!] ?? "";
      if (got.toLowerCase() === expected!.toLowerCase()) {
        t.log("calculating checksum of existing file...OK, got correct file already, no need to download");
        return;
      }
      die(`checksum mismatch: got '${got}' != expect '${expected}', aborting\n`);
    }
    const bytes = await fetchLoopback(url, {
      verifyCertificates,
      dest: `${dest}.tmp_dwnl.${req.host.state.pid}`,
    });
    await req.host.delay("imageDownload", req.host.closing);
    t.log(`download finished: ${bytes.length} bytes`);
    if (expected && algorithm) {
      const got = digest(algorithm, bytes);
      if (got.toLowerCase() !== expected.toLowerCase()) {
        t.log("calculating checksum...");
        die(`checksum mismatch: got '${got}' != expect '${expected}'\n`);
      }
      t.log("calculating checksum...OK, checksum verified");
    }
    if (storageUsed(s) + bytes.length > s.totalBytes) {
      die(`unable to rename temporary file: No space left on device\n`);
    }
    s.volumes[volid] = bytes.length;
    (s.ctime ??= {})[volid] = Math.floor(req.host.clock.now() / 1000);
    (s.digests ??= {})[volid] = Object.fromEntries(CHECKSUMS.map((a) => [a, digest(a, bytes)]));
    t.log(`download of '${url}' to '${dest}' finished`);
  });
}

const CHECKSUMS = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"];
