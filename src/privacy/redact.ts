/**
 * Request URLs as the log keeps them: path segments and query values that look like an email address or
 * a phone number are replaced, so identifiers looked up by URL do not end up in log files. Pure.
 */
const EMAIL = /^[^@\s/]+@[^@\s/]+$/;
const PHONE = /^\+?[\d\s().-]{6,}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;
const REDACTED = "[redacted]";

function looksPersonal(value: string): boolean {
  let text = value;
  try {
    text = decodeURIComponent(value);
  } catch {}
  if (text.length > 512) return false;
  if (EMAIL.test(text)) return true;
  // A phone: written with its + and 6 or more digits, or 9 or more digits (not a date, not a small count).
  const digits = text.replace(/\D/g, "").length;
  return PHONE.test(text) && !ISO_DATE.test(text) && (text.startsWith("+") ? digits >= 6 : digits >= 9);
}

export function redactUrl(url: string): string {
  const question = url.indexOf("?");
  const path = question >= 0 ? url.slice(0, question) : url;
  const query = question >= 0 ? url.slice(question + 1) : undefined;
  const cleanPath = path
    .split("/")
    .map((segment) => (segment && looksPersonal(segment) ? REDACTED : segment))
    .join("/");
  if (query === undefined) return cleanPath;
  const cleanQuery = query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq < 0) return pair;
      return looksPersonal(pair.slice(eq + 1).replace(/\+/g, " "))
        ? `${pair.slice(0, eq)}=${REDACTED}`
        : pair;
    })
    .join("&");
  return `${cleanPath}?${cleanQuery}`;
}
