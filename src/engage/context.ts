/**
 * The real-time context API: what a person at a touchpoint needs to know about a customer, in one call.
 * Answers come from an in-memory index built in bulk at start (a few whole-store queries) and kept current
 * by what is committed: each batch's events are applied to the facts of the customers they touch
 * (context-facts.ts), so a request never waits for a store read because a customer just had an event.
 * Only an unknown customer, or an event that may merge identities, makes a customer stale: read again on
 * its next request (primary-key reads only).
 */

import { analysisTime } from "../behaviour/store.js";
import type { StoredEvent } from "../collect/event-schema.js";
import { linksOf } from "../identity/identifiers.js";
import { lookupIdentifiers } from "../identity/lookup.js";
import { inSlices, SERVING_SLICE_ROWS } from "../lanes/slices.js";
import type { Engine } from "../store/engine.js";
import { parseStoredTime } from "../store/time.js";
import { withEvents } from "./context-facts.js";
import { type Action, type Facts, nextBestActions, type Playbook } from "./rules.js";
import { type ContextFacts, contextFacts, identifierIndex, medianClv } from "./store.js";

export interface CustomerContext {
  customer: { id: string; identityKeys: string[] };
  touchpoint: string | null;
  recentJourney: ContextFacts["recentJourney"];
  openItems: ContextFacts["openItems"];
  value: { clv: number | null; pAlive: number | null; medianClv: number };
  segment: ContextFacts["segment"];
  behaviour: ContextFacts["behaviour"] & { last: ContextFacts["lastMessage"] };
  actions: Action[];
  asOf: string;
}

export class ContextService {
  private readonly byCustomer = new Map<string, ContextFacts>();
  private readonly customerOfIdentifier = new Map<string, string>();
  private readonly stale = new Set<string>();
  private median = 1;
  private at = Date.now();
  private loading: Promise<void> | undefined;
  private basics: Promise<void> | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly playbook: Playbook,
  ) {}

  /** Loads every customer's facts (call at start; requests before it finishes read from the store). */
  load(): Promise<void> {
    this.loading ??= (async () => {
      await this.ensureBasics();
      const facts = await contextFacts(this.engine, this.at);
      for (const f of facts) this.remember(f);
      for (const { identifier, customerId } of await identifierIndex(this.engine)) {
        this.customerOfIdentifier.set(identifier, customerId);
      }
      this.loaded = true;
    })();
    return this.loading;
  }

  get size(): number {
    return this.byCustomer.size;
  }

  /** Whether the bulk load at start has finished. */
  loaded = false;

  private remember(f: ContextFacts): void {
    this.byCustomer.set(f.customerId, f);
    for (const key of f.identityKeys) {
      this.customerOfIdentifier.set(key, f.customerId);
      this.stale.delete(key);
    }
    this.stale.delete(f.customerId);
  }

  /**
   * Events were committed: applied to the facts of the customers they touch (or those customers are read
   * again on their next request), and a newer inbound message moves the clock on (the windows of the facts
   * count back from it). A large batch is applied in slices, serving requests in between.
   */
  written(rows: readonly StoredEvent[]): Promise<void> {
    return inSlices(rows, SERVING_SLICE_ROWS, (slice) => this.apply(slice));
  }

  private apply(rows: readonly StoredEvent[]): void {
    for (const row of rows) {
      if (row.direction === "inbound" && row.behaviour !== "")
        this.at = Math.max(this.at, parseStoredTime(row.timestamp));
    }
    const applied = new Map<string, StoredEvent[]>();
    const markStale = (key: string, customer: string | undefined) => {
      this.stale.add(key);
      if (customer) {
        this.stale.add(customer);
        applied.delete(customer);
      }
    };
    for (const row of rows) {
      const customer = this.customerOfIdentifier.get(row.identity_key);
      const known = customer !== undefined && this.byCustomer.has(customer) && !this.stale.has(customer);
      if (!known || this.mayMerge(row, customer)) {
        markStale(row.identity_key, customer);
        continue;
      }
      const list = applied.get(customer) ?? [];
      list.push(row);
      applied.set(customer, list);
    }
    for (const [customer, list] of applied)
      this.byCustomer.set(customer, withEvents(this.byCustomer.get(customer)!, list, this.at));
  }

  /** A person was erased: their facts and identifiers leave the index (a later lookup is a miss, not a store read). */
  forget(people: { customers: readonly string[]; identifiers: readonly string[] }): void {
    const customers = new Set(people.customers);
    for (const customer of customers) {
      for (const key of this.byCustomer.get(customer)?.identityKeys ?? [])
        this.customerOfIdentifier.delete(key);
      this.byCustomer.delete(customer);
      this.stale.delete(customer);
    }
    for (const identifier of people.identifiers) {
      this.customerOfIdentifier.delete(identifier);
      this.stale.delete(identifier);
    }
    for (const [identifier, customer] of this.customerOfIdentifier)
      if (customers.has(customer)) this.customerOfIdentifier.delete(identifier);
  }

  /** An inbox item changed status: the customer's open items say so (a resolved one leaves the list). */
  itemChanged(identityKey: string, itemId: string, status: string): void {
    const customer = this.customerOfIdentifier.get(identityKey);
    const facts = customer ? this.byCustomer.get(customer) : undefined;
    if (!customer || !facts) return;
    // Reopened but no longer listed: its text is in the store; read the customer again.
    if (status !== "resolved" && !facts.openItems.some((open) => open.id === itemId)) {
      this.stale.add(customer);
      return;
    }
    const openItems = facts.openItems
      .map((open) => (open.id === itemId ? { ...open, status } : open))
      .filter((open) => open.status !== "resolved");
    this.byCustomer.set(customer, { ...facts, openItems });
  }

  /** Whether an event asserts an identifier that is not already this customer's (a merge may follow). */
  private mayMerge(row: StoredEvent, customer: string): boolean {
    if (!row.user_id && row.traits === "{}" && row.type !== "alias") return false;
    return linksOf(row).some((link) => this.customerOfIdentifier.get(link.right) !== customer);
  }

  private async factsFor(input: string): Promise<ContextFacts | null> {
    const candidates = lookupIdentifiers(this.engine, input);
    let customer: string | undefined;
    for (const id of candidates) {
      customer = this.customerOfIdentifier.get(id);
      if (customer) break;
    }
    const cached = customer ? this.byCustomer.get(customer) : undefined;
    if (cached && !this.stale.has(customer!)) return cached;
    // Unknown to a loaded index and not written since: nobody by that name (no store read per miss).
    if (!customer && this.loaded && !candidates.some((c) => this.stale.has(c))) return null;
    // Unknown or stale: read this customer from the store (by every identity key it may have).
    const keys =
      cached?.identityKeys ?? candidates.filter((c) => c.startsWith("user:") || c.startsWith("anon:"));
    const mappedKeys = candidates.filter((c) => this.customerOfIdentifier.has(c));
    // The same clock as the bulk load, so a refreshed customer's windows match everyone else's.
    const fresh = await contextFacts(this.engine, this.at, [...new Set([...keys, ...mappedKeys])]);
    const found = fresh.find((f) => f.customerId === customer) ?? fresh[0];
    if (!found) return null;
    this.remember(found);
    return found;
  }

  /**
   * The clock and the median CLV, read once: by the bulk load, or by the first request when there is none
   * (a one-off CLI call); requests during the bulk load wait for this only, then read the store.
   */
  private ensureBasics(): Promise<void> {
    this.basics ??= (async () => {
      this.at = await analysisTime(this.engine);
      this.median = await medianClv(this.engine);
    })();
    return this.basics;
  }

  async context(input: string, touchpoint?: string): Promise<CustomerContext | null> {
    await this.ensureBasics();
    const f = await this.factsFor(input);
    if (!f) return null;
    const facts: Facts = {
      behaviour: f.lastMessage?.behaviour ?? null,
      touchpoint: touchpoint ?? f.lastMessage?.touchpoint ?? null,
      channel: f.recentJourney[f.recentJourney.length - 1]?.channel ?? null,
      clv: f.clv,
      medianClv: this.median,
      pAlive: f.pAlive,
      openItems: f.openItems.length,
      segmentLabel: f.segment?.label ?? null,
      complaintsInLast90Days: f.behaviour.complaint,
    };
    return {
      customer: { id: f.customerId, identityKeys: f.identityKeys },
      touchpoint: touchpoint ?? null,
      recentJourney: f.recentJourney,
      openItems: f.openItems,
      value: { clv: f.clv, pAlive: f.pAlive, medianClv: this.median },
      segment: f.segment,
      behaviour: { ...f.behaviour, last: f.lastMessage },
      actions: nextBestActions(this.playbook, facts),
      asOf: new Date(this.at).toISOString(),
    };
  }
}
