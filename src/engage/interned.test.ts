import assert from "node:assert/strict";
import { test } from "node:test";
import { Interner } from "./interned.js";

test("an interner returns equal strings and stops keeping new ones at its capacity", () => {
  const interner = new Interner(2);
  const a = interner.of(["web", "page"].join(" "));
  assert.equal(interner.of("web page"), a);
  assert.equal(interner.of("phone"), "phone");
  assert.equal(interner.size, 2);
  assert.equal(interner.of("store visit"), "store visit", "past the capacity a value is returned as it came");
  assert.equal(interner.size, 2);
});
