import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_PRIORITY, priorityOf } from "./priority.js";
import {
  DEFAULT_PLAYBOOK_PATH,
  type Facts,
  loadPlaybook,
  nextBestActions,
  PlaybookError,
  parsePlaybook,
} from "./rules.js";

const playbook = loadPlaybook(DEFAULT_PLAYBOOK_PATH);
const facts = (over: Partial<Facts>): Facts => ({
  behaviour: null,
  touchpoint: null,
  channel: null,
  clv: 100,
  medianClv: 100,
  pAlive: 0.9,
  openItems: 0,
  segmentLabel: null,
  complaintsInLast90Days: 0,
  ...over,
});

test("the default playbook fires as documented, each action naming its rule and facts", () => {
  const atRisk = nextBestActions(
    playbook,
    facts({ behaviour: "complaint", clv: 400, pAlive: 0.2, complaintsInLast90Days: 1 }),
  );
  assert.equal(atRisk[0].rule, "complaint-valuable-at-risk");
  assert.match(atRisk[0].action, /escalate .* call back within one hour/);
  assert.deepEqual(atRisk[0].facts, ["behaviour complaint", "CLV 400 (4.0x median)", "P(alive) 0.20"]);
  assert.equal(atRisk[0].playbookVersion, 1);
  assert.deepEqual(
    atRisk.map((a) => a.rule),
    ["complaint-valuable-at-risk", "complaint-valuable", "complaint-default"],
  );
  assert.equal(nextBestActions(playbook, facts({ behaviour: "question" }))[0].rule, "question-default");
  assert.match(
    nextBestActions(playbook, facts({ behaviour: "question" }))[0].action,
    /answer with the relevant/,
  );
  assert.match(
    nextBestActions(playbook, facts({ behaviour: "suggestion" }))[0].action,
    /route the idea to product/,
  );
  assert.equal(
    nextBestActions(playbook, facts({ behaviour: "praise", clv: 150 }))[0].rule,
    "praise-valuable",
  );
  assert.equal(nextBestActions(playbook, facts({ behaviour: "praise", clv: 10 }))[0].rule, "praise-default");
  const checkout = nextBestActions(playbook, facts({ behaviour: "complaint", touchpoint: "checkout error" }));
  assert.equal(checkout[0].rule, "checkout-trouble");
  assert.deepEqual(nextBestActions(playbook, facts({})), []);
});

test("a bad rules file gets one clear line per bad rule, naming it and the field", () => {
  const bad = {
    version: 2,
    rules: [
      { id: "ok", when: { behaviour: ["complaint"] }, action: "a", reason: "r", priority: 5 },
      { id: "ok", when: { behaviour: ["rant"] }, action: "a", reason: "r", priority: 5 },
      { id: "Bad Id", when: { colour: "red" }, action: "a", reason: "r", priority: 500 },
    ],
  };
  assert.throws(
    () => parsePlaybook(bad, "rules.json"),
    (error: Error) => {
      assert.ok(error instanceof PlaybookError);
      assert.match(error.message, /^rules\.json is not a valid playbook:/);
      assert.match(error.message, /rule 1 "ok": when\.behaviour\.0: /);
      assert.match(error.message, /rule 2 "Bad Id": id: lower-case letters/);
      assert.match(error.message, /rule 2 "Bad Id": when: .*colour/);
      assert.match(error.message, /rule 2 "Bad Id": priority: /);
      assert.match(error.message, /rule 1 "ok": id: duplicate rule id "ok"/);
      return true;
    },
  );
  assert.throws(() => parsePlaybook({ rules: [] }), /version: /);
  assert.throws(() => loadPlaybook("/nonexistent/rules.json"), /cannot read the playbook/);
});

test("priority: complaints first, valuable customers and missed response targets raise it, each factor explained", () => {
  const base = {
    labels: [],
    clv: 100,
    pAlive: 0.9,
    medianClv: 100,
    followers: 0,
    ageHours: 0.5,
    answered: false,
  };
  const complaint = priorityOf({ ...base, behaviour: "complaint", labels: ["complaint"] });
  const praise = priorityOf({ ...base, behaviour: "praise", labels: ["praise"] });
  assert.ok(complaint.priority > praise.priority * 3);
  const valuable = priorityOf({ ...base, behaviour: "complaint", labels: ["complaint"], clv: 1000 });
  assert.ok(valuable.priority > complaint.priority);
  assert.ok(Math.abs(valuable.factors.value - (1 + Math.log1p(10))) < 1e-3);
  const late = priorityOf({ ...base, behaviour: "complaint", labels: ["complaint"], ageHours: 5 });
  assert.equal(late.factors.waiting, 3);
  assert.match(late.reasons.join(" | "), /waiting 5\.0 h against a 1 h target \(missed\)/);
  const answered = priorityOf({
    ...base,
    behaviour: "complaint",
    labels: ["complaint"],
    ageHours: 5,
    answered: true,
  });
  assert.equal(answered.factors.waiting, 1);
  const old = priorityOf({ ...base, behaviour: "complaint", labels: ["complaint"], ageHours: 24 * 21 });
  assert.ok(Math.abs(old.factors.freshness - 0.25) < 1e-3);
  assert.equal(DEFAULT_PRIORITY.targetHours.question, 4);
  // A question that is also a complaint is as urgent as a complaint.
  assert.equal(
    priorityOf({ ...base, behaviour: "question", labels: ["question", "complaint"] }).factors.urgency,
    1,
  );
});
