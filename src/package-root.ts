/** The customer-flow package folder (holds models/ and config/), from src/ or dist/src/ alike. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function packageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, "package.json"))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error("cannot find the customer-flow package root");
    folder = parent;
  }
  return folder;
}
