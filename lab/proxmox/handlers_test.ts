import { assertEquals } from "../../tests/testing.ts";
import { API_MODEL } from "./api_model.ts";
import { API_HANDLERS } from "./handlers.ts";

Deno.test("every modeled endpoint has a handler, and every handler a modeled endpoint", () => {
  assertEquals(Object.keys(API_HANDLERS).sort(), Object.keys(API_MODEL).sort());
});
