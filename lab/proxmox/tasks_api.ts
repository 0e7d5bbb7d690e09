/**
 * Emulated task endpoints (`/nodes/{node}/tasks/{upid}/status` and `/log`) as pve-manager's
 * Tasks.pm answers them: a token sees its own tasks, anyone else needs Sys.Audit on the node.
 */
import type { ApiHandler, ApiRequest } from "./context.ts";
import { paramException } from "./exception.ts";
import { parseUpid } from "./host.ts";

/** Decodes the UPID, splits a token owner (`user!token`) and checks who may read the task. */
function readable(req: ApiRequest) {
  const upid = parseUpid(req.params.upid);
  if (!upid) throw paramException({ upid: "unable to parse worker upid" });
  const [user, tokenid] = upid.user.split("!");
  const owner = tokenid ? req.authid === upid.user || req.authid === user : req.authid === user;
  if (!owner) req.perms.check(`/nodes/${req.params.node}`, ["Sys.Audit"]);
  return { upid, user, tokenid, task: req.host.state.tasks[req.params.upid] };
}

export const TASK_HANDLERS: Record<string, ApiHandler> = {
  "GET /nodes/{node}/tasks/{upid}/status": (req) => {
    const { upid, user, tokenid, task } = readable(req);
    if (!task) throw paramException({ upid: "no such task" });
    return {
      node: upid.node,
      pid: upid.pid,
      pstart: upid.pstart,
      starttime: upid.starttime,
      type: upid.type,
      id: upid.id,
      user,
      ...(tokenid ? { tokenid } : {}),
      status: task.status,
      upid: req.params.upid,
      ...(task.status === "stopped" ? { exitstatus: task.exitstatus } : {}),
    };
  },

  "GET /nodes/{node}/tasks/{upid}/log": (req) => {
    const { task } = readable(req);
    if (!task) {
      req.setTotal(1);
      return [{ n: 1, t: "unable to open file - No such file or directory" }];
    }
    const start = Number(req.params.start ?? 0);
    const limit = Number(req.params.limit ?? 50);
    // a limit of 0 reads to the end; an empty log shows one "no content" line
    const lines = limit === 0 ? task.log.slice(start) : task.log.slice(start, start + limit);
    req.setTotal(Math.max(task.log.length, 1));
    if (!task.log.length) return [{ n: 1, t: "no content" }];
    return lines.map((t, i) => ({ n: start + i + 1, t }));
  },
};
