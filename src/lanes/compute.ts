/**
 * The analytic computations that walk every journey, behind one seam: inline (the CLI: `inlineCompute`) or in the analytic lane's workers (a server: `lanedCompute`), where the serving thread
 * only relays the engine's bytes. Both give the same answers (test/demo.test.ts).
 */
import type { FrictionItem, FrictionOptions } from "../journeys/friction.js";
import { friction, frictionQuery } from "../journeys/friction.js";
import type { JourneyFilter } from "../journeys/query.js";
import type { Clustered } from "../segments/discover.js";
import { clusterCustomers } from "../segments/discover.js";
import type { CustomerCounts } from "../segments/features.js";
import type { Engine } from "../store/engine.js";
import type { AttributionResult } from "../value/attribution.js";
import { type AttributionOptions, attributionFromStore, journeyPathsQuery } from "../value/store.js";
import type { AnalyticLane } from "./pool.js";

export interface AnalyticCompute {
  /** Segment discovery's clustering (segments/discover.ts). */
  cluster(counts: CustomerCounts, options: { k?: number; seed: number }): Promise<Clustered>;
  friction(
    filter: JourneyFilter,
    options: FrictionOptions,
  ): Promise<{ cases: number; items: FrictionItem[] }>;
  attribution(options: AttributionOptions): Promise<AttributionResult & { paths: number }>;
}

/** The computations run here, on this thread (the CLI and the library's callers). */
export function inlineCompute(engine: Engine): AnalyticCompute {
  return {
    cluster: async (counts, options) => clusterCustomers(counts, options),
    friction: (filter, options) => friction(engine, filter, options),
    attribution: (options) => attributionFromStore(engine, options),
  };
}

/** A request's computations: in the server's lane when it has one (queued under the caller's key), else here. */
export function computeFor(
  engine: Engine,
  lane: AnalyticLane | undefined,
  keyId: string | undefined,
  signal?: AbortSignal,
): AnalyticCompute {
  return lane ? lanedCompute(engine, lane, keyId ?? "anonymous", signal) : inlineCompute(engine);
}

/**
 * The computations in the lane's workers, queued under `key` (the caller's API key id); `signal` stops
 * them when nobody waits for the answer any more.
 */
export function lanedCompute(
  engine: Engine,
  lane: AnalyticLane,
  key: string,
  signal?: AbortSignal,
): AnalyticCompute {
  return {
    cluster: (counts, options) => lane.run({ kind: "segments", input: { counts, ...options }, key, signal }),
    async friction(filter, options) {
      const { sql, params } = await frictionQuery(engine, filter);
      const chunks = engine.streamChunks(sql, params);
      return lane.run({ kind: "friction", input: options, chunks, key, signal });
    },
    async attribution(options) {
      const { sql, params } = journeyPathsQuery(options);
      const chunks = engine.streamChunks(sql, params);
      return lane.run({ kind: "attribution", input: options, chunks, key, signal });
    },
  };
}
