/**
 * Keeps HTTP/2 GOAWAY frames off the lab's own gRPC connections. Deno's HTTP/2 (nghttp2) can abort
 * the whole process while it handles a received GOAWAY (denoland/deno#36788, open): one 50-node
 * bench run died that way. Both ends of a lab connection are Deno (strata's client, the emulator's
 * grpc-js server), and a lab connection ends with its TCP close anyway, so the TLS front drops
 * GOAWAY frames in both directions. A connection that does not start with the HTTP/2 client
 * preface passes through untouched.
 *
 * @example
 * ```ts
 * const f = goawayFilters();
 * socket.pipe(f.toServer).pipe(inner);
 * inner.pipe(f.toClient).pipe(socket);
 * ```
 */
import { Buffer } from "node:buffer";
import { Transform } from "node:stream";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const FRAME_HEADER = 9;
const GOAWAY = 0x7;

/** Frames of an HTTP/2 byte stream, without GOAWAY; partial frames wait for their rest. */
class FrameFilter {
  #pending = Buffer.alloc(0);
  push(chunk: Buffer): Buffer {
    let buf = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    const out: Buffer[] = [];
    let at = 0;
    while (buf.length - at >= FRAME_HEADER) {
      const size = FRAME_HEADER + buf.readUIntBE(at, 3);
      if (buf.length - at < size) break;
      if (buf[at + 3] !== GOAWAY) out.push(buf.subarray(at, at + size));
      at += size;
    }
    buf = buf.subarray(at);
    this.#pending = Buffer.from(buf);
    return Buffer.concat(out);
  }
}

export function goawayFilters(): { toServer: Transform; toClient: Transform } {
  let mode: "undecided" | "h2" | "raw" = "undecided";
  let head = Buffer.alloc(0); // client bytes while undecided
  let held = Buffer.alloc(0); // server bytes while undecided
  const fromClient = new FrameFilter();
  const fromServer = new FrameFilter();

  const toServer = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (mode === "raw") return done(null, chunk);
      if (mode === "h2") return done(null, fromClient.push(chunk));
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, PREFACE.length);
      if (!head.subarray(0, n).equals(PREFACE.subarray(0, n))) {
        mode = "raw";
      } else if (head.length >= PREFACE.length) {
        mode = "h2";
      } else return done(); // a prefix of the preface: wait for more
      releaseHeld();
      const bytes = head;
      head = Buffer.alloc(0);
      if (mode === "raw") return done(null, bytes);
      const rest = fromClient.push(bytes.subarray(PREFACE.length));
      done(null, Buffer.concat([bytes.subarray(0, PREFACE.length), rest]));
    },
  });

  const toClient = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (mode === "raw") return done(null, chunk);
      if (mode === "h2") return done(null, fromServer.push(chunk));
      held = Buffer.concat([held, chunk]);
      done();
    },
  });
  /** What the server sent before the client's first bytes decided the mode. */
  function releaseHeld(): void {
    if (!held.length) return;
    const bytes = held;
    held = Buffer.alloc(0);
    toClient.push(mode === "h2" ? fromServer.push(bytes) : bytes);
  }
  return { toServer, toClient };
}
