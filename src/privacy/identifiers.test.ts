import assert from "node:assert/strict";
import { test } from "node:test";
import { hashIdentifier, payloadNeedles, rawValue } from "./identifiers.js";

test("a hash depends on the salt and the whole typed identifier, and reveals neither", () => {
  const a = hashIdentifier("salt-1", "email:ann@example.com");
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.equal(a, hashIdentifier("salt-1", "email:ann@example.com"));
  assert.notEqual(a, hashIdentifier("salt-2", "email:ann@example.com"));
  assert.notEqual(a, hashIdentifier("salt-1", "user:ann@example.com"));
  assert.ok(!a.includes("ann"));
});

test("raw values and payload needles of each kind", () => {
  assert.equal(rawValue("email:ann@example.com"), "ann@example.com");
  assert.equal(rawValue("user:42"), "42");
  assert.equal(rawValue("social:twitter:ann"), "ann");
  assert.deepEqual(payloadNeedles(["user:42", "social:twitter:ann", "phone:+447700900123"]).sort(), [
    '"+447700900123"',
    '"42"',
    '"447700900123"',
    '"@ann"',
    '"ann"',
  ]);
  // A quote inside a value is escaped as JSON writes it.
  assert.deepEqual(payloadNeedles(['user:a"b']), ['"a\\"b"']);
});
