import assert from "node:assert/strict";
import { test } from "node:test";
import { redactUrl } from "./redact.js";

test("emails and phones in paths and query values are redacted; other ids and numbers are not", () => {
  assert.equal(redactUrl("/v1/customers/ann%40example.com"), "/v1/customers/[redacted]");
  assert.equal(
    redactUrl("/v1/context/ann@example.com?touchpoint=support%20call"),
    "/v1/context/[redacted]?touchpoint=support%20call",
  );
  assert.equal(redactUrl("/v1/customers/%2B44%207700%20900123/merges"), "/v1/customers/[redacted]/merges");
  assert.equal(redactUrl("/v1/customers/user:42"), "/v1/customers/user:42");
  assert.equal(redactUrl("/v1/inbox?limit=50&q=bob%40example.com"), "/v1/inbox?limit=50&q=[redacted]");
  assert.equal(
    redactUrl("/v1/journeys/dfg?from=2025-01-01&top=100000"),
    "/v1/journeys/dfg?from=2025-01-01&top=100000",
  );
});
