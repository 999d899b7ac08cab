import assert from "node:assert/strict";
import { test } from "node:test";
import { formatTime, parseStoredTime, storedTimeIso } from "./time.js";

test("a stored time rewritten as ISO text equals toISOString of the same instant, across the accepted years", () => {
  const from = Date.UTC(1970, 0, 1);
  const to = Date.UTC(2299, 11, 31, 23, 59, 59, 999);
  const instants = [from, to, Date.UTC(2024, 1, 29, 12, 0, 0, 7), Date.UTC(2000, 0, 1)];
  for (let i = 0; i < 5_000; i++) instants.push(Math.floor(from + Math.random() * (to - from)));
  for (const ms of instants) {
    const stored = formatTime(ms);
    assert.equal(parseStoredTime(stored), ms);
    assert.equal(storedTimeIso(stored), new Date(ms).toISOString(), stored);
  }
  // A form without milliseconds is not rewritten: it goes through a Date.
  assert.equal(storedTimeIso("2024-03-01 10:00:00"), "2024-03-01T10:00:00.000Z");
});
