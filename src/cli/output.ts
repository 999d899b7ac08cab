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
