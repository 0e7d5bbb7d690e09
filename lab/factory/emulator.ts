/**
 * Registers the Image Factory emulator with the lab on 127.0.0.9:8080; in the lab, strata uses
 * `http://127.0.0.9:8080` instead of the config's `talos.factory`.
 */
import type { LabEmulator } from "../mod.ts";
import { startFactoryEmulator } from "./server.ts";

export const FACTORY_ADDRESS = "127.0.0.9";
export const FACTORY_PORT = 8080;

/** The URL of the lab's factory. */
export const LAB_FACTORY_URL = `http://${FACTORY_ADDRESS}:${FACTORY_PORT}`;

export const factoryEmulator: LabEmulator = {
  system: "factory",
  async start(lab) {
    const f = await startFactoryEmulator({
      world: lab.world,
      clock: lab.clock,
      profile: lab.profile,
      random: lab.random,
      trace: lab.trace,
      faults: lab.faults("factory"),
      address: FACTORY_ADDRESS,
      port: FACTORY_PORT,
    });
    return [{ name: "factory", endpoints: [f.url], close: f.close }];
  },
};
