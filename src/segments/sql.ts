/**
 * The customers of one segment of the latest segmentation run, as a subquery taking {segment:UInt16}. Every
 * domain that filters by segment (journeys, behaviour, value) uses this one fragment.
 */
export const SEGMENT_CUSTOMERS = `(SELECT customer_id FROM segment_members
   WHERE run_id = (SELECT argMax(run_id, created_at) FROM segment_runs) AND segment_id = {segment:UInt16})`;
