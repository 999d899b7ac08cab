import type { z } from "zod";
/** Every command prints either JSON (--json) or a short human summary; errors go to stderr with exit code 1. */
export function emit(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

export class UsageError extends Error {}

export function fail(error: unknown, json: boolean): never {
  const message = error instanceof Error ? error.message : String(error);
  if (json) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
  process.stderr.write(`customer-flow: ${message}\n`);
  process.exit(1);
}

/**
 * CLI options through the API's zod schema, so a command and its endpoint accept and reject the same input;
 * the first problem becomes a UsageError naming the flag.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  raw: Record<string, unknown>,
  flag: (key: string) => string = (key) => `--${key}`,
): z.output<S> {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${flag(String(issue.path[0] ?? ""))}: ${issue.message}`);
  }
  return parsed.data;
}
