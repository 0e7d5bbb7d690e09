/**
 * The Kubernetes emulator as a route handler for the Talos emulator's HTTPS front on the VIP
 * (`lab/talos/kube_api.ts`, which does TLS, client-certificate auth, faults and the trace): it
 * turns the node request into a web Request, lets the emulator answer, and streams the answer
 * back (watches stay open chunk by chunk). It answers every path, so it goes last but one —
 * before the front's own /version and /healthz routes, which it also serves.
 *
 * @example
 * ```ts
 * const kube = createKubeEmulator({ world, clock, profile, random });
 * startKubeApi({ ..., handlers: [kubeApiHandler(kube)] });
 * ```
 */
import type { KubeHandler } from "../talos/kube_api.ts";
import { DropConnection } from "./api.ts";
import type { KubeEmulator } from "./emulator.ts";
import { toRequest, writeResponse } from "./serve.ts";

export function kubeApiHandler(kube: Pick<KubeEmulator, "handle">): KubeHandler {
  return async ({ req, res, url, user }) => {
    const request = await toRequest(req, url.origin);
    try {
      const response = await kube.handle(request, user);
      await writeResponse(res, response, req.method === "HEAD");
    } catch (err) {
      if (err instanceof DropConnection) req.socket.destroy();
      else throw err;
    }
    return true;
  };
}
