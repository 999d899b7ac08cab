/**
 * The identity map held in memory by the store's only writer: which customer each merged identifier
 * belongs to, each customer's identifiers, and every stored link id. Stitching a batch then asks the engine
 * nothing and only writes (issue 17: three look-ups per batch were two thirds of ingest's time).
 * It is true only while every identity write of the store goes through this process: identity-store.ts
 * keeps one per embedded store (the folder is locked to one process) and none for a shared ClickHouse.
 */
import type { Engine } from "../store/engine.js";
import { canonicalIdentifier } from "./identifiers.js";

export class IdentityIndex {
  /** identifier -> customer id, for identifiers with a row in identity_map. */
  private readonly customers = new Map<string, string>();
  /** customer id -> the identifiers whose row names it (the customer's own row included). */
  private readonly members = new Map<string, string[]>();
  private readonly links = new Set<string>();

  /** Reads identity_map and the link ids of identity_links (streamed: a large store is never one result). */
  static async load(engine: Engine): Promise<IdentityIndex> {
    const index = new IdentityIndex();
    for await (const row of engine.stream<{ identifier: string; customer_id: string }>(
      "SELECT identifier, customer_id FROM identity_map FINAL",
    ))
      index.place(row.identifier, row.customer_id);
    for await (const row of engine.stream<{ link_id: string }>("SELECT link_id FROM identity_links FINAL"))
      index.links.add(row.link_id);
    return index;
  }

  private place(identifier: string, customer: string): void {
    this.customers.set(identifier, customer);
    const group = this.members.get(customer);
    if (group) group.push(identifier);
    else this.members.set(customer, [identifier]);
  }

  hasLink(linkId: string): boolean {
    return this.links.has(linkId);
  }

  /** The customer an identifier belongs to, if identity_map has a row for it. */
  customerOf(identifier: string): string | undefined {
    return this.customers.get(identifier);
  }

  /** The identifiers identity_map gives this customer id (none for an identifier never merged). */
  membersOf(customer: string): readonly string[] {
    return this.members.get(customer) ?? [];
  }

  /** After links were stored (merged or refused). */
  addLinks(linkIds: Iterable<string>): void {
    for (const id of linkIds) this.links.add(id);
  }

  /**
   * After identity_map was rewritten for these groups. Each group holds every identifier of the customers
   * it came from (a merge unions whole customers; a split divides one whole customer), so the old customers'
   * member lists are dropped and the groups' written in their place.
   */
  setGroups(groups: readonly string[][]): void {
    for (const group of groups)
      for (const identifier of group) {
        const previous = this.customers.get(identifier);
        if (previous !== undefined) this.members.delete(previous);
      }
    for (const group of groups) {
      const customer = canonicalIdentifier(group);
      for (const identifier of group) this.place(identifier, customer);
    }
  }
}
