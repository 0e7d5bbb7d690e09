/**
 * Every emulated API method, by model key ("GET /nodes/{node}/qemu"): one handler per endpoint of
 * {@link API_MODEL} (a test keeps the two in step).
 */
import type { ApiHandler } from "./context.ts";
import { CLUSTER_HANDLERS } from "./cluster.ts";
import { QEMU_HANDLERS } from "./qemu.ts";
import { STORAGE_HANDLERS } from "./storage.ts";
import { TASK_HANDLERS } from "./tasks_api.ts";

export const API_HANDLERS: Record<string, ApiHandler> = {
  ...CLUSTER_HANDLERS,
  ...STORAGE_HANDLERS,
  ...QEMU_HANDLERS,
  ...TASK_HANDLERS,
};
