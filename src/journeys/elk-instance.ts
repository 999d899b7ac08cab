/**
 * This thread's elkjs, loaded on first use (1.4 MB of JavaScript: a CLI command that draws no map never
 * loads it) and warmed up before its first answer.
 */
import type { ELK } from "elkjs/lib/elk-api.js";
import { warmUpLayout } from "./map-layout.js";

let instance: Promise<ELK> | undefined;

export function elkInstance(): Promise<ELK> {
  instance ??= import("elkjs/lib/elk.bundled.js").then(async (module) => {
    // elkjs is CommonJS: its class is both the module and its `default`.
    const elk = new module.default.default();
    await warmUpLayout(elk);
    return elk;
  });
  return instance;
}
