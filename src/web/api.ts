/** Calls the read API with the session's read key; errors come back as Error with the API's message. */
const KEY = "customer-flow-read-key";

export function readKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setReadKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export type Params = Record<string, string | number | boolean | string[] | undefined | null>;

export function query(params: Params): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) for (const item of v) search.append(k, item);
    else search.append(k, String(v));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${readKey() ?? ""}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  if (!response.ok) {
    const p = parsed as { message?: string; error?: string; field?: string };
    const message = p?.message ?? p?.error ?? text;
    throw new ApiError(`${response.status}: ${p?.field ? `${p.field}: ` : ""}${message}`, response.status);
  }
  return parsed as T;
}

export const get = <T>(path: string, params: Params = {}) => call<T>("GET", `${path}${query(params)}`);
export const post = <T>(path: string, body: unknown) => call<T>("POST", path, body);
