import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { readReplyLabelledConversations } from "./corpus.js";

test("conversations: the customer's first tweet, labelled by the agent's first reply; unclear ones left out", () => {
  // A bzip2 CSV in the layout of the airline conversations, written for this test.
  const items = readReplyLabelledConversations(join(process.cwd(), "test/fixtures/conversations.csv.bz2"));
  assert.deepEqual(items, [
    { text: "@company  my bag never arrived and nobody answers the phone", sentiment: 0 },
    { text: "@company  the crew on flight 12 were brilliant, thank you!", sentiment: 2 },
    { text: "@company  can I bring a kettle in hand luggage?", sentiment: 1 },
  ]);
});
