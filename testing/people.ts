/** People for privacy tests: one person's events on four channels, and a search of every column of every table. */
import type { Engine } from "../src/store/engine.js";
import { basic, uid } from "./helpers.js";

/** A request with a key (Basic), JSON in and out. */
export async function callServer(url: string, method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: basic(key), ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** A person on web, email, phone (contact center) and social, merged by identify and traits. */
export function person(name: string) {
  const tag = uid(name);
  const digits = String(1_000_000 + Math.floor(Math.random() * 8_999_999));
  return {
    user: `${tag}-user`,
    anon: `${tag}-anon`,
    socialAnon: `${tag}-social`,
    email: `${tag}@example.com`,
    phone: `+44 7700 ${digits}`,
    phoneDigits: `447700${digits}`,
    handle: `${tag.replace(/[^a-z0-9]/gi, "").toLowerCase()}_h`,
    complaint: `${tag}: my parcel never came and nobody answers the phone`,
    note: `${tag} called twice, promised a refund`,
  };
}
export type Person = ReturnType<typeof person>;

export function eventsOf(p: Person) {
  const at = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
  return [
    { type: "page", anonymousId: p.anon, name: "pricing", timestamp: at(9), messageId: `${p.user}-1` },
    {
      type: "identify",
      userId: p.user,
      anonymousId: p.anon,
      traits: { email: p.email, phone: p.phone, name: "Test Person" },
      timestamp: at(8),
      messageId: `${p.user}-2`,
    },
    ...[7, 6, 5].map((days, i) => ({
      type: "track",
      userId: p.user,
      event: "Order Completed",
      properties: { channel: "web", touchpoint: "checkout", revenue: 40 + i },
      timestamp: at(days),
      messageId: `${p.user}-order-${i}`,
    })),
    {
      type: "track",
      userId: p.user,
      event: "Email Opened",
      properties: { channel: "email", touchpoint: "newsletter" },
      timestamp: at(4),
      messageId: `${p.user}-3`,
    },
    {
      type: "track",
      userId: p.user,
      event: "Support Call",
      properties: { channel: "contact_center", touchpoint: "support call", text: p.complaint },
      timestamp: at(2),
      messageId: `${p.user}-call`,
    },
    {
      type: "track",
      anonymousId: p.socialAnon,
      event: "Mention",
      traits: { twitter: `@${p.handle}`, email: p.email },
      properties: { channel: "social", touchpoint: "mention", text: `@brand ${p.complaint}` },
      timestamp: at(1),
      messageId: `${p.user}-mention`,
    },
  ];
}

/** Rows of any table, any column, that contain one of the needles (case-insensitive). */
export async function rowsContaining(engine: Engine, needles: string[]): Promise<string[]> {
  const columns = await engine.query<{ table: string; name: string }>(
    "SELECT table, name FROM system.columns WHERE database = currentDatabase() ORDER BY table, position",
  );
  const byTable = new Map<string, string[]>();
  for (const { table, name } of columns) byTable.set(table, [...(byTable.get(table) ?? []), name]);
  const found: string[] = [];
  for (const [table, names] of byTable) {
    const any = names.map(
      (n) => `multiSearchAnyCaseInsensitive(toString(\`${n}\`), {needles:Array(String)})`,
    );
    const [row] = await engine.query<{ n: number }>(
      `SELECT count() AS n FROM ${table} WHERE ${any.join(" OR ")}`,
      {
        needles,
      },
    );
    if (Number(row?.n) > 0) found.push(`${table}: ${row?.n}`);
  }
  return found;
}
