/** Defaults of the value views, in a module of their own so the CLI can declare its options without loading the models. */
export const DEFAULT_PURCHASE_EVENTS = ["Order Completed"];

/** Channels (or touchpoints) kept by volume before the rest are folded into "(other)" (docs/security.md). */
export const DEFAULT_MAX_STATES = 50;
