/**
 * Placeholder identifiers: values that many unrelated people share (test@test.com, 0000000, "undefined",
 * noreply@...). Merging on them would join thousands of customers into one, so they never merge anything.
 * The list is config/placeholder-identifiers.json, plus the file named by CUSTOMER_FLOW_PLACEHOLDERS, plus
 * any phone number made of one repeated digit.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { packageRoot } from "../package-root.js";

const listSchema = z.object({
  emails: z.array(z.string()).default([]),
  emailLocalParts: z.array(z.string()).default([]),
  phones: z.array(z.string()).default([]),
  ids: z.array(z.string()).default([]),
  handles: z.array(z.string()).default([]),
});

export interface PlaceholderList {
  emails: Set<string>;
  emailLocalParts: Set<string>;
  phones: Set<string>;
  ids: Set<string>;
  handles: Set<string>;
}

function readList(path: string): z.output<typeof listSchema> {
  const parsed = listSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: ${issue?.path.join(".") ?? "(file)"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

export function loadPlaceholders(extraFile = process.env.CUSTOMER_FLOW_PLACEHOLDERS): PlaceholderList {
  const files = [
    join(packageRoot(), "config", "placeholder-identifiers.json"),
    ...(extraFile ? [extraFile] : []),
  ];
  const list: PlaceholderList = {
    emails: new Set(),
    emailLocalParts: new Set(),
    phones: new Set(),
    ids: new Set(),
    handles: new Set(),
  };
  for (const file of files) {
    const read = readList(file);
    for (const key of Object.keys(list) as Array<keyof PlaceholderList>)
      for (const value of read[key])
        list[key].add(key === "phones" ? value.replace(/\D/g, "") : value.toLowerCase());
  }
  return list;
}

let loaded: PlaceholderList | undefined;
const placeholders = () => {
  loaded ??= loadPlaceholders();
  return loaded;
};

/** Whether a typed identifier (`email:...`, `phone:...`, `user:...`, `anon:...`, `social:net:...`) is a placeholder. */
export function isPlaceholder(identifier: string): boolean {
  const colon = identifier.indexOf(":");
  const kind = identifier.slice(0, colon);
  const value = identifier.slice(colon + 1).toLowerCase();
  const list = placeholders();
  switch (kind) {
    case "email":
      return list.emails.has(value) || list.emailLocalParts.has(value.slice(0, value.indexOf("@")));
    case "phone": {
      const digits = value.replace(/\D/g, "");
      return list.phones.has(digits) || /^(\d)\1*$/.test(digits);
    }
    case "user":
    case "anon":
      return list.ids.has(value.trim());
    case "social":
      return list.handles.has(value.slice(value.indexOf(":") + 1));
    default:
      return false;
  }
}
