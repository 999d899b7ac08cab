/**
 * The analytic computations whose JavaScript work grows with the data (journey walks, clustering, the
 * behaviour rankings and themes), behind one seam: inline (the CLI: `inlineCompute`) or in the analytic lane's workers (a server: `lanedCompute`), where the serving thread
 * only relays the engine's bytes. Both give the same answers (test/demo.test.ts).
 */
import type { NowConfig, NowResult } from "../behaviour/now.js";
import {
  nowQueries,
  type VoiceOptions,
  voiceOfCustomer,
  voiceQueries,
  whoMattersNowFromStore,
} from "../behaviour/store.js";
import type { VoiceResult } from "../behaviour/voice.js";
import type { ConformanceResult } from "../journeys/conformance.js";
import { conformanceQuery, journeyConformance } from "../journeys/designed.js";
import type { FrictionItem, FrictionOptions } from "../journeys/friction.js";
import { friction, frictionQuery } from "../journeys/friction.js";
import type { JourneyModel } from "../journeys/journey-model.js";
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
  whoMattersNow(options: { at?: number; config?: Partial<NowConfig>; segment?: number }): Promise<NowResult>;
  voice(options: VoiceOptions): Promise<VoiceResult>;
  /** Conformance of the journeys to a designed map (journeys/designed.ts). */
  conformance(filter: JourneyFilter, model: JourneyModel, cases: number): Promise<ConformanceResult>;
}

/** The computations run here, on this thread (the CLI and the library's callers). */
export function inlineCompute(engine: Engine): AnalyticCompute {
  return {
    cluster: async (counts, options) => clusterCustomers(counts, options),
    friction: (filter, options) => friction(engine, filter, options),
    attribution: (options) => attributionFromStore(engine, options),
    whoMattersNow: (options) => whoMattersNowFromStore(engine, options),
    voice: (options) => voiceOfCustomer(engine, options),
    conformance: (filter, model, cases) => journeyConformance(engine, filter, model, { cases }),
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
      const { sql, params } = await frictionQuery(engine, filter, options);
      const chunks = engine.streamChunks(sql, params);
      return lane.run({ kind: "friction", input: options, chunks, key, signal });
    },
    async attribution(options) {
      const { sql, params } = await journeyPathsQuery(engine, options);
      const chunks = engine.streamChunks(sql, params);
      return lane.run({ kind: "attribution", input: options, chunks, key, signal });
    },
    async whoMattersNow(options) {
      const { at, config, values, mentions, params } = await nowQueries(engine, options);
      // The values first, then the messages: one stream of both kinds of rows.
      async function* chunks() {
        yield* engine.streamChunks(values, params);
        yield* engine.streamChunks(mentions, params);
      }
      return lane.run({ kind: "now", input: { at, config }, chunks: chunks(), key, signal });
    },
    async voice(options) {
      const { frame, texts, params } = await voiceQueries(engine, options);
      const chunks = engine.streamChunks(texts, params);
      return lane.run({ kind: "voice", input: frame, chunks, key, signal });
    },
    async conformance(filter, model, cases) {
      const { sql, params } = await conformanceQuery(engine, filter, model, cases);
      const chunks = engine.streamChunks(sql, params);
      return lane.run({ kind: "conformance", input: { model, cases }, chunks, key, signal });
    },
  };
}
