/**
 * Distant labels from a brand's replies. How a customer-care agent answers a mention says what the mention
 * was: an apology or a promise to look into it answers a complaint, thanks for kind words answer praise,
 * and a plain answer with neither follows a neutral message. These labels come from a different view of the
 * conversation than the customer's own words, so they teach the sentiment head the customer-service domain
 * that general tweets lack. Noisy by nature: training keeps only those the first-pass model does not
 * firmly contradict (see `trainWithDistantLabels`).
 */
import type { LabelledText } from "./train.js";

/** A customer's message and the brand's first reply to it. */
export interface Conversation {
  text: string;
  reply: string;
}

/** An agent who apologises, or takes the case up, is answering a complaint. */
const APOLOGY =
  /\b(sorry|apolog\w*|inconvenien\w*|frustrat\w*|disappoint\w*|not the (type|kind|experience|level)|never our intent\w*|make (it|this|things) right|regret\w*|unacceptable|understand your|concern\w*)\b/i;
const TAKES_IT_UP =
  /\b(look into|looking into|dm|direct message|send us|what happened|what's going on|what is going on|here to help|tell us more|more details|check on (this|that|it)|reach out|escalat\w*|investigat\w*|follow up|feedback|pass (this|that|your)|share (this|your))\b/i;
/** An agent who is glad, thanks for the kind words or congratulates is answering praise. */
const GLAD =
  /\b(glad|so happy|happy to hear|love (this|that|to hear|it|hearing|having)|thanks? (so much |you )?for (the|your|all the) (kind|shout|love|compliment|support|sharing|words|praise)|compliment\w*|wonderful|awesome|congrat\w*|(you're|you are) (most |very )?welcome|great to hear|pleasure|kudos|fantastic|yay|woohoo)\b/i;

/** 0 negative (complaint), 1 neutral, 2 positive (praise); undefined when the reply reads both ways. */
export function sentimentFromReply(reply: string): 0 | 1 | 2 | undefined {
  const apology = APOLOGY.test(reply);
  const glad = GLAD.test(reply);
  if (apology && glad) return undefined;
  if (apology || (TAKES_IT_UP.test(reply) && !glad)) return 0;
  return glad ? 2 : 1;
}

/** Each message labelled by its reply; those whose reply reads both ways are left out. */
export function labelByReply(conversations: Iterable<Conversation>): LabelledText[] {
  const out: LabelledText[] = [];
  for (const { text, reply } of conversations) {
    const sentiment = sentimentFromReply(reply);
    if (text.trim() && sentiment !== undefined) out.push({ text, sentiment });
  }
  return out;
}
