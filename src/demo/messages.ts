/** Message templates for the four behaviours, varied by product and touchpoint, for demo customers' texts. */
import type { Random } from "./random.js";

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
];

const TEMPLATES: Record<Behaviour, string[]> = {
  praise: [
    "Love my new {p}, thank you {b}!",
    "The {p} arrived a day early, great service",
    "Best {p} I have ever owned. Well done {b}",
    "Huge thanks to the store team for helping me pick a {p} :)",
    "Really impressed with how quickly you sorted my order, brilliant",
    "{b} customer service is amazing, the agent was so helpful",
  ],
  complaint: [
    "Checkout keeps failing on your website, this is ridiculous",
    "My {p} arrived broken and nobody answers the phone",
    "Still waiting for my refund after three weeks. Terrible service {b}",
    "The payment page crashed twice and I was charged anyway",
    "Worst delivery experience ever, the {p} is lost again",
    "I have called four times about my order and nothing happens",
  ],
  question: [
    "Do you ship the {p} to Ireland?",
    "How can I return a {p} I bought in store?",
    "Is the {p} back in stock anytime soon?",
    "What is the warranty on the {p}?",
    "Can I change the delivery address for my order?",
    "When does the store on Main Street open on Sundays?",
  ],
  suggestion: [
    "You should add a dark colour option for the {p}",
    "Please add Apple Pay at checkout, it would make things easier",
    "It would be great if the app showed delivery tracking",
    "Would love a loyalty program for store customers",
    "Maybe offer a repair service for the {p}?",
    "Please add a size guide to the {p} page",
  ],
};

export function message(random: Random, behaviour: Behaviour): string {
  return random
    .pick(TEMPLATES[behaviour])
    .replace("{p}", random.pick(PRODUCTS))
    .replace("{b}", "@CustomerFlowShop");
}
