/**
 * Who matters now from its result rows: first the value of every customer the window's messages name, then
 * the messages themselves. Pure (no IO): it runs on the calling thread for the CLI and in the analytic
 * lane's workers for a server.
 */
import { type CustomerValue, type Mention, type NowConfig, type NowResult, whoMattersNow } from "./now.js";

/** A customer's value (CLV when stored, else the summed spend of their events). */
export interface ValueRow {
  customer_id: string;
  value: number;
  basis: "clv" | "spend";
}

/** An inbound message with a behaviour, in the window, as the engine returns it. */
export type MentionRow = Omit<Mention, "customerId"> & { customer_id: string };

export class NowBuilder {
  private readonly values = new Map<string, CustomerValue>();
  private readonly mentions: Mention[] = [];

  constructor(
    private readonly at: number,
    private readonly config: NowConfig,
  ) {}

  /** Either kind of row: a value row carries `basis`. */
  add(row: ValueRow | MentionRow): void {
    if ("basis" in row) {
      this.values.set(row.customer_id, { value: Number(row.value), basis: row.basis });
      return;
    }
    const { customer_id, ...mention } = row;
    this.mentions.push({
      ...mention,
      customerId: customer_id,
      ms: Number(mention.ms),
      followers: Number(mention.followers),
    });
  }

  result(): NowResult {
    return whoMattersNow(this.mentions, this.values, this.at, this.config);
  }
}
