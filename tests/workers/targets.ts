/** A request the capture server received. */
export interface Captured {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

export type Behaviour = (req: Request) => Response | Promise<Response>;

/**
 * Local HTTP targets on 127.0.0.1 for checks and alert channels: routes are switchable by tests (up, down,
 * slow, hanging, flapping, wrong keyword), every request is counted and captured.
 */
export class TargetServer {
  readonly routes = new Map<string, Behaviour>();
  readonly hits = new Map<string, number>();
  readonly captured: Captured[] = [];
  #server: Deno.HttpServer<Deno.NetAddr>;
  #hanging = new Set<() => void>();

  constructor() {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      async (req) => {
        const path = new URL(req.url).pathname;
        this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
        const body = await req.text();
        this.captured.push({
          path,
          method: req.method,
          headers: Object.fromEntries(req.headers),
          body,
        });
        const route = this.routes.get(path);
        return route ? await route(req) : new Response("no such route", { status: 404 });
      },
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** A response that never comes (until the server closes): the check's timeout must fire. */
  hang(): Promise<Response> {
    return new Promise((resolve) => {
      const release = () => resolve(new Response("released", { status: 599 }));
      this.#hanging.add(release);
    });
  }

  count(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  async close(): Promise<void> {
    for (const release of this.#hanging) release();
    await this.#server.shutdown();
  }
}

/** A TCP listener that accepts and closes connections; `close()` makes the port refuse them. */
export class TcpTarget {
  #listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  #loop: Promise<void>;
  accepted = 0;
  constructor() {
    this.#loop = (async () => {
      try {
        for await (const conn of this.#listener) {
          this.accepted++;
          conn.close();
        }
      } catch { /* listener closed */ }
    })();
  }
  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }
  async close(): Promise<void> {
    this.#listener.close();
    await this.#loop;
  }
}

/** A port on 127.0.0.1 that nothing listens on. */
export function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}
