/** View and filters live in the URL hash (#/view?from=...&channel=web&segment=2), so a view can be shared. */
export interface Filters {
  from?: string;
  to?: string;
  channel?: string;
  segment?: string;
}

export interface Route {
  view: string;
  filters: Filters;
  extra: Record<string, string>;
}

const FILTER_KEYS = ["from", "to", "channel", "segment"] as const;

export function parseHash(hash: string): Route {
  const [path, search = ""] = hash.replace(/^#\/?/, "").split("?");
  const params = new URLSearchParams(search);
  const filters: Filters = {};
  const extra: Record<string, string> = {};
  for (const [k, v] of params) {
    if ((FILTER_KEYS as readonly string[]).includes(k)) filters[k as keyof Filters] = v;
    else extra[k] = v;
  }
  return { view: path || "overview", filters, extra };
}

export function toHash(route: Route): string {
  const params = new URLSearchParams();
  for (const k of FILTER_KEYS) if (route.filters[k]) params.set(k, route.filters[k] as string);
  for (const [k, v] of Object.entries(route.extra)) if (v) params.set(k, v);
  const search = params.toString();
  return `#/${route.view}${search ? `?${search}` : ""}`;
}

/** The filters as API query parameters (journeys, overview, value and behaviour take the same names). */
export function filterParams(filters: Filters): Record<string, string | undefined> {
  return { from: filters.from, to: filters.to, channel: filters.channel, segment: filters.segment };
}
