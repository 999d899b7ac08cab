/** Maps PostHog's capture shape (posthog-node, posthog-js) onto the Segment-shaped event contract. */
type Bag = Record<string, unknown>;

function bag(value: unknown): Bag {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Bag) : {};
}

/** PostHog's own keys ($lib, $set, ...) and the distinct id are routing data, not the event's properties. */
function withoutDollarKeys(properties: Bag): Bag {
  const out: Bag = {};
  for (const [key, value] of Object.entries(properties))
    if (!key.startsWith("$") && key !== "distinct_id") out[key] = value;
  return out;
}

export function fromPostHog(raw: unknown, sentAt?: unknown): unknown {
  const item = bag(raw);
  const properties = bag(item.properties);
  const distinctId = item.distinct_id ?? properties.distinct_id;
  const name = typeof item.event === "string" ? item.event : undefined;
  const base: Bag = {
    messageId: item.uuid ?? item.messageId,
    userId: distinctId,
    timestamp: item.timestamp,
    sentAt: item.sent_at ?? sentAt,
    context: {
      library: {
        name: item.library ?? properties.$lib,
        version: item.library_version ?? properties.$lib_version,
      },
    },
  };
  switch (name) {
    case "$identify":
      return {
        ...base,
        type: "identify",
        anonymousId: properties.$anon_distinct_id,
        traits: { ...bag(item.$set), ...bag(properties.$set) },
        properties: withoutDollarKeys(properties),
      };
    case "$create_alias":
      return { ...base, type: "alias", previousId: properties.alias };
    case "$pageview": {
      const url = typeof properties.$current_url === "string" ? properties.$current_url : undefined;
      let path: string | undefined;
      try {
        path = url ? new URL(url).pathname : undefined;
      } catch {
        path = undefined;
      }
      return {
        ...base,
        type: "page",
        name: path ?? "",
        properties: { ...withoutDollarKeys(properties), url, path },
      };
    }
    case "$screen":
      return {
        ...base,
        type: "screen",
        name: properties.$screen_name,
        properties: withoutDollarKeys(properties),
      };
    case "$groupidentify":
      return { ...base, type: "group", groupId: properties.$group_key, traits: bag(properties.$group_set) };
    default:
      return { ...base, type: "track", event: name, properties: withoutDollarKeys(properties) };
  }
}
