/**
 * A request's lane computations with the journeys' friction walk shared between the views that need it:
 * the friction ranking, the touchpoint table and the blueprint's pains walk the same journeys with the
 * same settings and differ only in how many items they keep. The whole ranking is computed once per data
 * version, through the server's result cache, and each caller takes its top items.
 */
import type { FastifyInstance } from "fastify";
import { DEFAULT_FRICTION_TOP, type FrictionOptions } from "../journeys/friction.js";
import type { JourneyFilter } from "../journeys/query.js";
import { type AnalyticCompute, computeFor } from "../lanes/compute.js";
import type { AnalyticLane } from "../lanes/pool.js";
import type { Engine } from "../store/engine.js";
import { DEFAULT_PURCHASE_EVENTS } from "../value/defaults.js";
import { cachedResult } from "./read-route.js";

/** One key for one walk: defaults filled in, unset fields dropped, keys sorted. */
export function frictionWalkKey(filter: JourneyFilter, options: FrictionOptions): string {
  const defined = (record: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(record)
        .filter(([, value]) => value !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  const { top: _top, ...settings } = options;
  return JSON.stringify([
    defined({ ...filter, brand: filter.brand ?? false, collapseRepeats: filter.collapseRepeats ?? false }),
    defined({ ...settings, outcomeEvents: settings.outcomeEvents ?? DEFAULT_PURCHASE_EVENTS }),
  ]);
}

export function sharedCompute(
  app: FastifyInstance,
  engine: Engine,
  lane: AnalyticLane | undefined,
  keyId: string | undefined,
  stop: AbortSignal,
): AnalyticCompute {
  return {
    ...computeFor(engine, lane, keyId, stop),
    async friction(filter, options) {
      // The walk stops only when every request waiting for it is gone (its own signal, not this caller's).
      const whole = await cachedResult(
        app,
        `friction walk ${frictionWalkKey(filter, options)}`,
        (walkStop) =>
          computeFor(engine, lane, keyId, walkStop).friction(filter, {
            ...options,
            top: Number.MAX_SAFE_INTEGER,
          }),
        stop,
      );
      return { cases: whole.cases, items: whole.items.slice(0, options.top ?? DEFAULT_FRICTION_TOP) };
    },
  };
}
