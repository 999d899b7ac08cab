import assert from "node:assert/strict";
import { test } from "node:test";
import { storedEvent } from "../../testing/stored-event.js";
import {
  candidateIdentifiers,
  canonicalIdentifier,
  linksOf,
  normaliseEmail,
  normalisePhone,
} from "./identifiers.js";
import { UnionFind } from "./union-find.js";

test("union-find joins transitively and keeps separate sets apart", () => {
  const sets = new UnionFind();
  sets.union("a", "b");
  sets.union("c", "d");
  sets.union("b", "c");
  sets.add("e");
  assert.equal(sets.find("a"), sets.find("d"));
  assert.notEqual(sets.find("a"), sets.find("e"));
  const groups = sets.groups().map((g) => g.sort().join(""));
  assert.deepEqual(groups.sort(), ["abcd", "e"]);
});

test("the customer id prefers a user id, then email, then phone, then social, then anonymous", () => {
  assert.equal(canonicalIdentifier(["anon:x", "email:a@b.co", "user:z", "user:b"]), "user:b");
  assert.equal(canonicalIdentifier(["anon:x", "phone:+1234567", "email:a@b.co"]), "email:a@b.co");
  assert.equal(canonicalIdentifier(["anon:y", "anon:x"]), "anon:x");
});

test("identifiers are normalised so the same person matches", () => {
  assert.equal(normaliseEmail(" Ann@Example.COM "), "email:ann@example.com");
  assert.equal(normaliseEmail("not an email"), undefined);
  assert.equal(normalisePhone("+44 (20) 7000-0001"), "phone:+442070000001");
  assert.equal(normalisePhone("12"), undefined);
  assert.deepEqual(candidateIdentifiers("ann@example.com"), [
    "user:ann@example.com",
    "anon:ann@example.com",
    "email:ann@example.com",
  ]);
  assert.ok(candidateIdentifiers("@Ann").includes("social:twitter:ann"));
});

const event = storedEvent;

test("an identify links user, anonymous id and identifying traits, each with its reason", () => {
  const links = linksOf(
    event({
      type: "identify",
      anonymous_id: "a1",
      traits: JSON.stringify({ email: "U@x.io", phone: "+1 555 0100 22", twitter: "@U1" }),
    }),
  );
  assert.deepEqual(
    links.map((l) => [l.right, l.reason]),
    [
      ["anon:a1", "identify"],
      ["email:u@x.io", "trait:email"],
      ["phone:+1555010022", "trait:phone"],
      ["social:twitter:u1", "trait:twitter"],
    ],
  );
  assert.ok(links.every((l) => l.left === "user:u1" && l.eventId === "e1"));
});

test("an alias links the previous id; an anonymous-only event links nothing", () => {
  const alias = linksOf(event({ type: "alias", properties: JSON.stringify({ previousId: "old" }) }));
  assert.deepEqual(
    alias.map((l) => l.right),
    ["anon:old", "user:old"],
  );
  assert.deepEqual(linksOf(event({ identity_key: "anon:a", user_id: "", anonymous_id: "a" })), []);
});
