/** Registers the Image Factory emulator with the lab, on 127.0.0.9:8080. */
import type { LabEmulator } from "../mod.ts";
import { startFactoryEmulator } from "./server.ts";

export const FACTORY_ADDRESS = "127.0.0.9";
export const FACTORY_PORT = 8080;

export const factoryEmulator: LabEmulator = {
  system: "factory",
  async start(lab) {
    const f = await startFactoryEmulator({ address: FACTORY_ADDRESS, port: FACTORY_PORT, trace: lab.trace });
    return [{ name: "factory", endpoints: [f.url], close: f.close }];
  },
};
