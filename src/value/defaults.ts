/** Defaults of the value views, in a module of their own so the CLI can declare its options without loading the models. */
export const DEFAULT_PURCHASE_EVENTS = ["Order Completed"];
