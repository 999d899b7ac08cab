import assert from "node:assert/strict";
import { test } from "node:test";
import { inlineParameters, literal, QueryParameterError, quoteString } from "./literals.js";

test("a string literal escapes exactly backslash, quote and NUL, so no value ends its literal", () => {
  assert.equal(quoteString("plain"), "'plain'");
  assert.equal(quoteString("x' OR 1=1 --"), "'x\\' OR 1=1 --'");
  assert.equal(quoteString("a\\'b"), "'a\\\\\\'b'");
  assert.equal(quoteString("nul\0here"), "'nul\\0here'");
  assert.equal(quoteString("line\nbreak\ttab"), "'line\nbreak\ttab'");
  // Every quote inside is preceded by an odd number of backslashes: none closes the literal.
  for (const value of ["'", "\\'", "\\\\'", "''", "\\", "a\\"]) {
    const body = quoteString(value).slice(1, -1);
    for (let i = 0; i < body.length; i++) {
      if (body[i] !== "'") continue;
      let slashes = 0;
      for (let j = i - 1; j >= 0 && body[j] === "\\"; j--) slashes++;
      assert.equal(slashes % 2, 1, `${JSON.stringify(value)} -> ${body}`);
    }
    // Nor does a backslash at the end escape the closing quote.
    assert.equal((body.match(/\\*$/)?.[0].length ?? 0) % 2, 0, body);
  }
});

test("values become typed literals in place of their placeholders, and only there", () => {
  assert.equal(
    inlineParameters("SELECT {n:UInt32} AS n, {ids:Array(String)} AS ids WHERE x = {s:String}", {
      n: 3,
      ids: ["a", "b'c"],
      s: "{n:UInt32}",
    }),
    "SELECT CAST(3 AS UInt32) AS n, CAST(['a','b\\'c'] AS Array(String)) AS ids WHERE x = CAST('{n:UInt32}' AS String)",
  );
  assert.equal(literal({ home: 1, "it's": 2 }, "m"), "map('home',1,'it\\'s',2)");
  assert.equal(literal(new Map([["k", [1, -2]]]), "m"), "map('k',[1,-2])");
  assert.equal(literal(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), "t"), "'2024-01-02 03:04:05.006'");
  assert.equal(literal(null, "x"), "NULL");
  assert.equal(literal(12345678901234567890n, "x"), "12345678901234567890");
  assert.equal(literal(true, "x"), "true");
  assert.equal(inlineParameters("SELECT 1", {}), "SELECT 1");
});

test("a missing, non-finite or unsupported parameter is an error that names it", () => {
  assert.throws(() => inlineParameters("SELECT {a:String}", {}), /parameter a is missing/);
  assert.throws(() => inlineParameters("SELECT {a:String}", { a: undefined }), /parameter a is missing/);
  assert.throws(() => inlineParameters("SELECT {f:Float64}", { f: Number.NaN }), QueryParameterError);
  assert.throws(() => inlineParameters("SELECT {f:Array(Float64)}", { f: [1, Infinity] }), /parameter f/);
  assert.throws(() => literal(() => 1, "fn"), /parameter fn has an unsupported type/);
  assert.throws(() => literal(new Date(Number.NaN), "d"), /parameter d is an invalid date/);
  // Inherited names are not parameters.
  assert.throws(() => inlineParameters("SELECT {toString:String}", {}), /parameter toString is missing/);
});
