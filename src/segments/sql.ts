/** The latest segmentation run's id, as a scalar subquery. */
export const LATEST_SEGMENT_RUN = "(SELECT argMax(run_id, created_at) FROM segment_runs)";

/** Every customer the latest run placed, with its segment (customer_id, segment_id, label), as a subquery. */
export const LATEST_SEGMENT_MEMBERS = `(SELECT customer_id, segment_id, label FROM segment_members
   WHERE run_id = ${LATEST_SEGMENT_RUN})`;

/**
 * The customers of one segment of the latest segmentation run, as a subquery taking {segment:UInt16}. Every
 * domain that filters by segment (journeys, behaviour, value) uses this one fragment.
 */
export const SEGMENT_CUSTOMERS = `(SELECT customer_id FROM segment_members
   WHERE run_id = ${LATEST_SEGMENT_RUN} AND segment_id = {segment:UInt16})`;
