/** Progress on stderr for commands that may run over a second; stdout stays clean for --json. */
import { createRequire } from "node:module";
import type cliProgressModule from "cli-progress";

// Loaded when a bar is drawn (a terminal), not with every command: `--help` and pipes never need it.
const requireModule = createRequire(import.meta.url);

export interface Progress {
  update(done: number, detail?: string): void;
  stop(): void;
}

export function startProgress(label: string, total: number, unit = "rows"): Progress {
  if (process.stderr.isTTY) {
    const cliProgress = requireModule("cli-progress") as typeof cliProgressModule;
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {detail}`, hideCursor: true, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { detail: "" });
    return {
      update: (done, detail) => bar.update(Math.min(done, total), { detail: detail ?? `${done} ${unit}` }),
      stop: () => bar.stop(),
    };
  }
  // Not a terminal (CI, pipes): a line every two seconds instead of a redrawn bar.
  let last = 0;
  return {
    update: (done, detail) => {
      const now = Date.now();
      if (now - last < 2000) return;
      last = now;
      const percent = total > 0 ? ` ${Math.round((100 * done) / total)}%` : "";
      process.stderr.write(`${label}${percent} ${detail ?? `${done} ${unit}`}\n`);
    },
    stop: () => {},
  };
}
