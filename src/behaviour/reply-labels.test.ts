import assert from "node:assert/strict";
import { test } from "node:test";
import { sentimentFromReply } from "./reply-labels.js";

test("a brand's reply labels the message it answers: apology or taking it up, thanks for praise, else neutral", () => {
  assert.equal(sentimentFromReply("Oh, My! I'm truly sorry for the experience. *HMB"), 0);
  assert.equal(sentimentFromReply("Please DM us your confirmation number and we'll look into it."), 0);
  assert.equal(sentimentFromReply("We're so glad you enjoyed the new Flagship First dining experience!"), 2);
  assert.equal(sentimentFromReply("Thanks for the shout out! We appreciate your business."), 2);
  assert.equal(
    sentimentFromReply("Hi Natalie, you need to be in the boarding area 20 minutes prior to your departure."),
    1,
  );
  // Glad and sorry at once says nothing certain: no label.
  assert.equal(sentimentFromReply("Sorry for the wait, but glad you made it in the end!"), undefined);
  // Taking it up next to gladness is a thank-you for feedback, not a complaint.
  assert.equal(sentimentFromReply("Thanks for the kind words, we'll pass this on to the crew!"), 2);
});
