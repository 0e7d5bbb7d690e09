/**
 * Watches: a chunked stream of `{"type","object"}` lines. Without a resourceVersion (or with "0")
 * the stream starts with the current objects as ADDED; with one it resumes from the change after
 * it, or answers an ERROR event with a 410 Expired Status ("too old resource version") when that
 * change is no longer kept. Selectors follow objects in and out (ADDED / DELETED), BOOKMARKs come
 * when asked for, and the stream ends after `timeoutSeconds` of virtual time.
 *
 * @example
 * ```ts
 * const body = watchStream(cluster, { rt, version: "v1", match: () => true, allowBookmarks: false, encode: (o) => o });
 * ```
 */
import type { KubeCluster } from "./cluster.ts";
import type { ResourceType } from "./resources/resource.ts";
import { ApiError } from "./status.ts";
import type { StoreEvent } from "./store.ts";
import type { KubeObject } from "./types.ts";

export interface WatchRequest {
  rt: ResourceType;
  version: string;
  /** Selects the objects (namespace, labels, fields). */
  match: (obj: KubeObject) => boolean;
  resourceVersion?: string;
  allowBookmarks: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
  /** Turns an object into what the client asked for (JSON, a Table row, metadata). */
  encode: (obj: KubeObject, first: boolean) => unknown;
  /** Virtual ms between bookmarks. */
  bookmarkEveryMs?: number;
}

const enc = new TextEncoder();

export function watchStream(cluster: KubeCluster, req: WatchRequest): ReadableStream<Uint8Array> {
  const { rt } = req;
  const stop = new AbortController();
  let unsubscribe = () => {};
  let closed = false;
  let first = true;

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const close = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        stop.abort();
        try {
          controller.close();
        } catch { /* already closed */ }
      };
      const send = (type: string, object: unknown) => {
        if (closed) return;
        controller.enqueue(enc.encode(JSON.stringify({ type, object }) + "\n"));
      };
      const present = (obj: KubeObject) => {
        // a shallow copy: present sets apiVersion and kind, and `obj` may be the stored object
        const o = cluster.present(rt, { ...obj }, req.version);
        const out = req.encode(o, first);
        first = false;
        return out;
      };
      const bookmark = (rv: number, initialEnd = false) => {
        const metadata: Record<string, unknown> = { resourceVersion: String(rv), creationTimestamp: null };
        if (initialEnd) metadata.annotations = { "k8s.io/initial-events-end": "true" };
        send("BOOKMARK", {
          kind: rt.kind,
          apiVersion: rt.group ? `${rt.group}/${req.version}` : req.version,
          metadata,
        });
      };
      const deliver = (e: StoreEvent) => {
        if (e.group !== rt.group || e.resource !== rt.plural) return;
        const now = req.match(e.object);
        const before = e.previous ? req.match(e.previous) : false;
        if (e.type === "ADDED") {
          if (now) send("ADDED", present(e.object));
        } else if (e.type === "DELETED") {
          if (before || now) send("DELETED", present(e.object));
        } else if (now && before) send("MODIFIED", present(e.object));
        else if (now) send("ADDED", present(e.object));
        else if (before) send("DELETED", present(e.object));
      };

      const store = cluster.store;
      unsubscribe = store.subscribe(deliver);
      const rvParam = req.resourceVersion ?? "";
      const fromScratch = rvParam === "" || rvParam === "0" || req.sendInitialEvents === true;
      if (fromScratch) {
        for (const obj of cluster.scan(rt)) if (req.match(obj)) send("ADDED", present(obj));
        if (req.sendInitialEvents && req.allowBookmarks) bookmark(store.resourceVersion, true);
      } else {
        const rv = Number(rvParam);
        if (!Number.isInteger(rv) || rv < 0) {
          unsubscribe();
          closed = true;
          controller.error(ApiError.badRequest(`invalid resource version: ${rvParam}`));
          return;
        }
        const backlog = store.eventsSince(rv);
        if (!backlog) {
          send("ERROR", ApiError.expired(`too old resource version: ${rv} (${store.floor})`).status());
          close();
          return;
        }
        for (const e of backlog) deliver(e);
      }

      const timeoutMs = (req.timeoutSeconds ?? 1800 + Math.floor(Math.random() * 1800)) * 1000;
      cluster.clock.sleep(timeoutMs, stop.signal).then(close, () => {});
      if (req.allowBookmarks) {
        (async () => {
          for (;;) {
            await cluster.clock.sleep(req.bookmarkEveryMs ?? 60_000, stop.signal);
            bookmark(store.resourceVersion);
          }
        })().catch(() => {});
      }
    },
    cancel() {
      closed = true;
      unsubscribe();
      stop.abort();
    },
  });
}
