/**
 * Demo customers' messages for the four behaviours, written from sentence parts so they read like real
 * traffic: an opening, a core with products, times and places, a closing, in the register of the channel
 * (short and lower-case in chat, tagged on social, greeted and signed in email, referenced in tickets), with
 * the odd typo and shouting. Thousands of distinct texts per behaviour; the behaviour stays the planted one.
 */
import { Random } from "./random.js";

export type Behaviour = "praise" | "complaint" | "question" | "suggestion";

const PRODUCTS = [
  "running shoes",
  "rain jacket",
  "backpack",
  "headphones",
  "coffee grinder",
  "desk lamp",
  "yoga mat",
  "water bottle",
  "hiking boots",
  "phone case",
  "kettle",
  "duvet cover",
];
const WAITS = [
  "three weeks",
  "10 days",
  "a fortnight",
  "over a month",
  "since Monday",
  "two weeks",
  "5 days",
];
const PLACES = ["Main Street", "High Street", "Riverside", "Kings Cross", "Westfield", "Leeds"];
const STAFF = ["Sam", "Priya", "the lady at the till", "the guy on the phone", "your chat agent", "Tom"];
const NAMES = ["Anna", "Mark", "J. Patel", "Chris", "Sofia", "Dave", "Lena"];

/** The heart of each message; {p} product, {w} a wait, {l} a place, {s} a member of staff. */
const CORES: Record<Behaviour, string[]> = {
  praise: [
    "love my new {p}, thank you",
    "the {p} arrived a day early, great service",
    "best {p} I have ever owned, well done",
    "huge thanks to the store team in {l} for helping me pick a {p}",
    "really impressed with how quickly you sorted my order",
    "{s} was so helpful, amazing customer service",
    "delivery was quick and the {p} is perfect",
    "brilliant service again, you never disappoint",
    "just want to say thanks to {s}, sorted everything in minutes",
    "so happy with the {p}, exactly as described",
    "the refund came through really fast, thank you",
    "great experience at the {l} store today",
    "five stars for the {p}, worth every penny",
    "your returns process is so easy, loved it",
  ],
  complaint: [
    "checkout keeps failing on your website, this is ridiculous",
    "my {p} arrived broken and nobody answers the phone",
    "still waiting for my refund after {w}, terrible service",
    "the payment page crashed twice and I was charged anyway",
    "worst delivery experience ever, the {p} is lost again",
    "I have called four times about my order and nothing happens",
    "been on hold for an hour, this is unacceptable",
    "the {p} broke after {w}, really disappointed",
    "charged twice for one {p} and no one will help",
    "the {l} store refused my return, awful",
    "my order is {w} late and tracking has not moved",
    "wrong {p} delivered and the chat just disconnects",
    "the app keeps crashing at payment, so frustrating",
    "{s} was rude and hung up on me",
  ],
  question: [
    "do you ship the {p} to Ireland?",
    "how can I return a {p} I bought in store?",
    "is the {p} back in stock anytime soon?",
    "what is the warranty on the {p}?",
    "can I change the delivery address for my order?",
    "when does the {l} store open on Sundays?",
    "does the {p} come in other colours?",
    "how long does delivery usually take?",
    "where can I find my order number?",
    "is there a discount code for students?",
    "can I collect the {p} from the {l} store?",
    "anyone know if the {p} is waterproof?",
    "what sizes does the {p} come in?",
    "how do I cancel an order I placed today?",
  ],
  suggestion: [
    "you should add a dark colour option for the {p}",
    "please add Apple Pay at checkout, it would make things easier",
    "it would be great if the app showed delivery tracking",
    "would love a loyalty program for store customers",
    "maybe offer a repair service for the {p}",
    "please add a size guide to the {p} page",
    "it would help to have evening delivery slots",
    "you could let us save more than one address",
    "a click and collect option at {l} would be great",
    "why not bring back the {p} in the old colour",
    "I suggest adding reviews to the {p} page",
    "consider a recycling scheme for old {p}s",
    "please offer gift wrapping for the {p}",
    "it would be nice if the newsletter was less frequent",
  ],
};

const OPENERS: Record<Behaviour, string[]> = {
  praise: ["", "", "wow,", "honestly,", "just a note:", "thanks!"],
  complaint: ["", "", "seriously,", "not happy:", "again!", "ugh,"],
  question: ["", "", "quick question:", "hey,", "sorry to bother you,", "one more thing:"],
  suggestion: ["", "", "idea:", "just a thought,", "feedback:", "one request:"],
};

const CLOSERS: Record<Behaviour, string[]> = {
  praise: ["", "", "!", " :)", ", keep it up", ", will shop again"],
  complaint: ["", "", ".", "!!", ", sort it out", ", never again"],
  question: ["", "", " thanks", " thx", " cheers", ""],
  suggestion: ["", "", ".", ", thanks", " :)", ", just saying"],
};

const HASHTAGS: Record<Behaviour, string[]> = {
  praise: ["#happycustomer", "#recommend", "#love"],
  complaint: ["#fail", "#customerservice", "#notimpressed"],
  question: ["#help", "#question", ""],
  suggestion: ["#idea", "#feedback", ""],
};

/** One typo as people make them: two letters swapped, one dropped or one doubled, in a longer word. */
function typo(random: Random, text: string): string {
  const words = text.split(" ");
  const candidates = words.flatMap((w, i) => (/^[a-z]{5,}$/.test(w) ? [i] : []));
  if (candidates.length === 0) return text;
  const i = random.pick(candidates);
  const word = words[i]!;
  const at = random.int(1, word.length - 2);
  const kind = random.int(0, 2);
  words[i] =
    kind === 0
      ? word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2)
      : kind === 1
        ? word.slice(0, at) + word.slice(at + 1)
        : word.slice(0, at) + word[at] + word.slice(at);
  return words.join(" ");
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** A channel's register: how the same core is written on social, in chat, by email or in a ticket. */
function inRegister(random: Random, behaviour: Behaviour, channel: string, body: string): string {
  switch (channel) {
    case "social": {
      const tag = random.pick(HASHTAGS[behaviour]);
      const mention = random.chance(0.6) ? "@CustomerFlowShop " : "";
      return `${mention}${random.chance(0.5) ? body : capitalise(body)}${tag && random.chance(0.5) ? ` ${tag}` : ""}`;
    }
    case "chat":
      return random.chance(0.6) ? body.toLowerCase() : capitalise(body);
    case "email": {
      const greeting = random.pick(["Hi team,", "Hello,", "Dear Customer Flow Shop,", "Hi,"]);
      const signOff = random.pick(["Thanks", "Regards", "Best", "Cheers"]);
      const stop = /[.!?)]$/.test(body) ? "" : ".";
      return `${greeting} ${body}${stop} ${signOff}, ${random.pick(NAMES)}`;
    }
    case "contact_center":
      return `${random.chance(0.5) ? `Order ${random.int(100000, 999999)}: ` : ""}${capitalise(body)}`;
    default:
      return capitalise(body);
  }
}

/**
 * A message for a behaviour, in the channel's register. Takes exactly two draws from `random` (as the
 * earlier template picker did), so every other figure of the seeded demo stays where it was; the wording
 * comes from a generator seeded by them.
 */
export function message(random: Random, behaviour: Behaviour, channel = "social"): string {
  const words = new Random(Math.floor(random.next() * 2 ** 32) ^ Math.floor(random.next() * 2 ** 31));
  const core = words
    .pick(CORES[behaviour])
    .replace("{p}", words.pick(PRODUCTS))
    .replace("{w}", words.pick(WAITS))
    .replace("{l}", words.pick(PLACES))
    .replace("{s}", words.pick(STAFF));
  const opener = words.pick(OPENERS[behaviour]);
  let closer = words.pick(CLOSERS[behaviour]);
  // A question keeps its question mark where the closing words follow it.
  if (behaviour === "question" && closer && !closer.startsWith(" ")) closer = ` ${closer}`;
  let body = `${opener ? `${opener} ` : ""}${core}${closer}`;
  if (words.chance(0.15)) body = typo(words, body);
  let text = inRegister(words, behaviour, channel, body);
  if (behaviour === "complaint" && words.chance(0.04)) text = text.toUpperCase();
  return text;
}
