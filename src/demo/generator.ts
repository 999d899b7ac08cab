/**
 * A seeded generator of a realistic omnichannel data set: customers of five kinds (the planted segments)
 * take journeys across web, app, email, phone, contact center, store, social, chat, post and peers over
 * twelve months. Events are Segment-shaped, so they pass the same contract as anything collected.
 * The planted patterns are documented in docs/demo-data.md; tests find them again.
 */
import { KNOWN_CHANNELS } from "../collect/event-schema.js";
import { type Behaviour, message } from "./messages.js";
import { Random } from "./random.js";

export const DEMO_START = Date.UTC(2025, 10, 1);
export const DEMO_END = Date.UTC(2026, 9, 31, 23, 59, 59);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Every known channel but "other" appears in the demo. */
export const KNOWN_DEMO_CHANNELS = KNOWN_CHANNELS.filter((channel) => channel !== "other");

export const SEGMENTS = ["web_shopper", "store_loyal", "channel_hopper", "phone_first", "churning"] as const;
export type DemoSegment = (typeof SEGMENTS)[number];

const SEGMENT_WEIGHTS: Record<DemoSegment, number> = {
  web_shopper: 30,
  store_loyal: 20,
  channel_hopper: 20,
  phone_first: 15,
  churning: 15,
};

/** Checkout fails on the web this often; most who hit it call instead (the planted friction). */
export const CHECKOUT_FAILURE_RATE = 0.18;
export const CALL_AFTER_FAILURE_RATE = 0.7;

export interface DemoCustomer {
  index: number;
  userId: string;
  anonymousId: string;
  email: string;
  phone: string;
  twitter?: string;
  segment: DemoSegment;
  signup: number;
  /** Churners stop here; others stay to the end. */
  leaves: number;
}

type Event = Record<string, unknown>;

interface Builder {
  random: Random;
  customer: DemoCustomer;
  events: Event[];
  identified: boolean;
  time: number;
}

function customerRandom(seed: number, index: number): Random {
  return new Random(Math.imul(seed ^ 0x9e3779b9, 2654435761) ^ Math.imul(index + 1, 40503));
}

export function demoCustomer(seed: number, index: number): DemoCustomer {
  const random = customerRandom(seed, index);
  const segment = random.weighted(SEGMENT_WEIGHTS);
  const signup = DEMO_START + random.next() * 120 * DAY;
  const leaves = segment === "churning" ? signup + (90 + random.next() * 90) * DAY : DEMO_END;
  const handle = random.chance(0.45) ? `fan_${random.id(6)}` : undefined;
  return {
    index,
    userId: `cus_${index.toString(36).padStart(5, "0")}`,
    anonymousId: `anon_${random.id(10)}`,
    email: `customer${index}@example.com`,
    phone: `+4420${String(7000000 + index).padStart(8, "0")}`,
    twitter: handle,
    segment,
    signup,
    leaves: Math.min(leaves, DEMO_END),
  };
}

/**
 * Appends one event, its keys in a fixed order: the call's own (type, event or name, traits), the ids, the
 * message id, the time, the properties with channel and touchpoint, and a social handle's context. Built
 * key by key: object spreads took most of the demo's generation time.
 */
function emit(b: Builder, event: Event & { channel: string; touchpoint: string }, gapMs: number): void {
  b.time += gapMs;
  const { channel, touchpoint } = event;
  const out: Event = {};
  for (const key in event) if (key !== "channel" && key !== "touchpoint") out[key] = event[key];
  const { customer } = b;
  if (channel === "social") out.anonymousId = `twitter-${customer.twitter ?? customer.anonymousId}`;
  else if (channel === "web" || channel === "app") {
    if (b.identified) out.userId = customer.userId;
    out.anonymousId = customer.anonymousId;
  } else out.userId = customer.userId;
  out.messageId = `demo-${customer.index}-${b.events.length}`;
  out.timestamp = new Date(Math.round(b.time)).toISOString();
  out.properties = Object.assign({}, event.properties, { channel, touchpoint });
  if (channel === "social" && customer.twitter) out.context = { traits: { twitter: customer.twitter } };
  b.events.push(out);
}

function track(
  b: Builder,
  channel: string,
  touchpoint: string,
  event: string,
  gapMs: number,
  properties: Event = {},
): void {
  emit(b, { type: "track", event, channel, touchpoint, properties }, gapMs);
}

function page(b: Builder, name: string, gapMs: number): void {
  emit(
    b,
    {
      type: "page",
      name,
      channel: "web",
      touchpoint: name,
      properties: { path: `/${name.replace(/ /g, "-")}` },
    },
    gapMs,
  );
}

function say(
  b: Builder,
  channel: string,
  touchpoint: string,
  behaviour: Behaviour,
  gapMs: number,
  properties: Event = {},
): void {
  const followers = channel === "social" ? Math.round(b.random.logNormal(150, 1.6)) : undefined;
  track(b, channel, touchpoint, "Message Sent", gapMs, {
    ...properties,
    text: message(b.random, behaviour, channel),
    ...(followers !== undefined ? { followers } : {}),
  });
}

function purchase(
  b: Builder,
  channel: string,
  touchpoint: string,
  gapMs: number,
  properties: Event = {},
): void {
  const base = b.customer.segment === "store_loyal" ? 55 : b.customer.segment === "channel_hopper" ? 70 : 45;
  const revenue = Math.round(b.random.logNormal(base, 0.6) * 100) / 100;
  track(b, channel, touchpoint, "Order Completed", gapMs, {
    ...properties,
    revenue,
    currency: "EUR",
    order_id: `o_${b.customer.index}_${b.events.length}`,
  });
}

/**
 * An id for the object a journey is about (a cart, a ticket), shared by its events so a funnel can hold it
 * constant. Taken from the event count, not the random stream, so every other figure stays as it was.
 */
const objectId = (b: Builder, prefix: string) => `${prefix}_${b.customer.index}_${b.events.length}`;

function identify(b: Builder, gapMs: number): void {
  const traits: Event = {
    email: b.customer.email,
    phone: b.customer.phone,
    name: `Customer ${b.customer.index}`,
  };
  if (b.customer.twitter) traits.twitter = b.customer.twitter;
  b.identified = true;
  emit(b, { type: "identify", channel: "web", touchpoint: "sign up", traits, properties: {} }, gapMs);
}

const minutes = (b: Builder, mean: number) => b.random.exponential(mean) * 60_000 + 5_000;

/** The web shop with the planted checkout failure that pushes people to the phone. */
function webPurchase(b: Builder): void {
  page(b, "home", 0);
  for (let i = b.random.int(1, 3); i > 0; i--) page(b, "product page", minutes(b, 2));
  // The cart's id follows it from the basket to the order, through a failed checkout and a call.
  const cart = { cart_id: objectId(b, "cart") };
  track(b, "web", "cart", "Product Added", minutes(b, 1), cart);
  if (!b.identified) identify(b, minutes(b, 1));
  track(b, "web", "checkout", "Checkout Started", minutes(b, 2), cart);
  if (b.random.chance(CHECKOUT_FAILURE_RATE)) {
    track(b, "web", "checkout error", "Checkout Failed", minutes(b, 1), {
      ...cart,
      error: "payment_declined",
    });
    if (b.random.chance(CALL_AFTER_FAILURE_RATE)) {
      track(b, "phone", "support call", "Call Started", b.random.next() * 6 * HOUR + 10 * 60_000, {
        ...cart,
        reason: "checkout",
      });
      purchase(b, "phone", "phone order", minutes(b, 8), cart);
    } else if (b.random.chance(0.4)) {
      say(b, "social", "mention", "complaint", b.random.next() * 12 * HOUR);
    }
    return;
  }
  purchase(b, "web", "order", minutes(b, 2), cart);
}

function appPurchase(b: Builder): void {
  emit(b, { type: "screen", name: "app home", channel: "app", touchpoint: "app home", properties: {} }, 0);
  emit(
    b,
    { type: "screen", name: "product", channel: "app", touchpoint: "product page", properties: {} },
    minutes(b, 2),
  );
  if (b.random.chance(0.6)) purchase(b, "app", "order", minutes(b, 3));
}

function storeVisit(b: Builder): void {
  track(b, "store", "store visit", "Store Visited", 0);
  if (b.random.chance(0.75)) purchase(b, "store", "till", minutes(b, 20));
  if (b.random.chance(0.1)) say(b, "social", "mention", "praise", b.random.next() * 5 * HOUR);
}

function emailEngagement(b: Builder): void {
  track(b, "email", "newsletter", "Email Opened", 0);
  if (b.random.chance(0.45)) {
    track(b, "email", "email click", "Email Clicked", minutes(b, 1));
    if (b.customer.segment !== "store_loyal" && b.random.chance(0.5)) webPurchase(b);
  }
}

/** Channel hoppers: research online, ask in chat, call, then buy in the store. */
function hop(b: Builder): void {
  page(b, "product page", 0);
  say(b, "chat", "chat", "question", minutes(b, 10));
  track(b, "chat", "chat", "Chat Answered", minutes(b, 3), { direction: "outbound" });
  track(b, "phone", "sales call", "Call Started", b.random.next() * DAY);
  if (b.random.chance(0.5)) track(b, "post", "catalogue", "Catalogue Received", b.random.next() * 3 * DAY);
  track(b, "store", "store visit", "Store Visited", b.random.next() * 4 * DAY + HOUR);
  if (b.random.chance(0.7)) purchase(b, "store", "till", minutes(b, 20));
  if (b.random.chance(0.3))
    say(
      b,
      "social",
      "mention",
      b.random.pick(["praise", "suggestion", "question"] as const),
      b.random.next() * DAY,
    );
}

function phoneOrder(b: Builder): void {
  track(b, "phone", "sales call", "Call Started", 0);
  if (b.random.chance(0.65)) purchase(b, "phone", "phone order", minutes(b, 10));
}

function supportContact(b: Builder, behaviour: Behaviour): void {
  const where = b.random.weighted({ contact_center: 3, email: 2, chat: 2, social: 2 });
  const touchpoint =
    where === "contact_center"
      ? "support ticket"
      : where === "social"
        ? "mention"
        : where === "chat"
          ? "chat"
          : "support email";
  // One ticket: the first message, a call about it and a follow-up share its id.
  const ticket = { ticket_id: objectId(b, "ticket") };
  say(b, where, touchpoint, behaviour, 0, ticket);
  if (behaviour === "complaint" && b.random.chance(0.5))
    track(b, "phone", "support call", "Call Started", b.random.next() * 2 * DAY, {
      ...ticket,
      reason: "ticket",
    });
  if (b.random.chance(0.2)) say(b, where, touchpoint, behaviour, b.random.next() * 3 * DAY + HOUR, ticket);
}

function peerReferral(b: Builder): void {
  track(b, "peer", "referral", "Referral Received", 0, { from: "friend" });
}

const MIX: Record<DemoSegment, Record<string, number>> = {
  web_shopper: { web: 45, app: 20, email: 20, support: 8, store: 3, phone: 1, peer: 3 },
  store_loyal: { store: 70, email: 12, support: 6, web: 5, peer: 5, phone: 2 },
  channel_hopper: { hop: 55, web: 15, support: 12, store: 8, email: 5, app: 5 },
  phone_first: { phone: 55, support: 25, web: 8, email: 6, store: 6 },
  churning: { web: 40, email: 25, support: 25, app: 10 },
};

const BEHAVIOUR_MIX: Record<DemoSegment, Record<Behaviour, number>> = {
  web_shopper: { praise: 30, complaint: 25, question: 30, suggestion: 15 },
  store_loyal: { praise: 50, complaint: 10, question: 25, suggestion: 15 },
  channel_hopper: { praise: 20, complaint: 15, question: 50, suggestion: 15 },
  phone_first: { praise: 10, complaint: 55, question: 30, suggestion: 5 },
  churning: { praise: 5, complaint: 70, question: 20, suggestion: 5 },
};

/** Mean days between journeys, by segment. */
const JOURNEY_GAP_DAYS: Record<DemoSegment, number> = {
  web_shopper: 21,
  store_loyal: 22,
  channel_hopper: 24,
  phone_first: 22,
  churning: 13,
};

const JOURNEYS: Record<string, (b: Builder, behaviour: Behaviour) => void> = {
  web: webPurchase,
  app: appPurchase,
  store: storeVisit,
  email: emailEngagement,
  hop,
  phone: phoneOrder,
  support: supportContact,
  peer: (b) => {
    peerReferral(b);
    webPurchase(b);
  },
};

/** All events of one customer, in time order. */
export function customerEvents(seed: number, index: number): { customer: DemoCustomer; events: Event[] } {
  const customer = demoCustomer(seed, index);
  const random = customerRandom(seed ^ 0x5bd1e995, index);
  const b: Builder = { random, customer, events: [], identified: false, time: customer.signup };
  // Anonymous browsing before the first sign-up.
  for (let i = random.int(1, 3); i > 0; i--)
    page(b, random.pick(["home", "product page", "store finder"]), minutes(b, 30));
  if (customer.segment !== "web_shopper" && customer.segment !== "churning") identify(b, minutes(b, 5));
  if (random.chance(0.08)) peerReferral(b);
  let journeyStart = b.time;
  // People differ in how often they come back, within a segment too (log-normal, median 1).
  const pace = random.logNormal(1, 0.5);
  while (true) {
    journeyStart += random.exponential(JOURNEY_GAP_DAYS[customer.segment] * pace) * DAY + HOUR;
    if (journeyStart > customer.leaves) break;
    // Churners complain more as they approach leaving.
    const nearExit = customer.segment === "churning" && customer.leaves - journeyStart < 30 * DAY;
    const kind = nearExit && random.chance(0.6) ? "support" : random.weighted(MIX[customer.segment]);
    const behaviour: Behaviour = nearExit ? "complaint" : random.weighted(BEHAVIOUR_MIX[customer.segment]);
    b.time = journeyStart;
    JOURNEYS[kind]!(b, behaviour);
    if (b.time > DEMO_END) break;
  }
  return { customer, events: b.events.filter((e) => Date.parse(e.timestamp as string) <= DEMO_END) };
}

/** Streams the whole data set customer by customer (constant memory). */
export function* generateDemo(options: {
  customers: number;
  seed: number;
  from?: number;
}): Iterable<{ customer: DemoCustomer; events: Event[] }> {
  for (let index = options.from ?? 0; index < options.customers; index++)
    yield customerEvents(options.seed, index);
}
