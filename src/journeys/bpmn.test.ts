import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { align } from "./alignment.js";
import { bpmnToJourneyModel } from "./bpmn.js";
import { compileJourneyModel, JourneyModelError } from "./journey-model.js";

/** The request-handling process of pm4py's running example, sequential, with a loop back through a gateway. */
const REQUESTS = readFileSync(join(process.cwd(), "test", "fixtures", "requests.bpmn"), "utf8");

test("a BPMN process compiles to the map it draws: flows through gateways, starts and ends from the events", () => {
  const input = bpmnToJourneyModel(REQUESTS);
  assert.equal(input.name, "Request handling");
  const flows = new Set(input.flows.map((f) => `${f.from}>${f.to}`));
  assert.deepEqual([...flows].sort(), [
    "check>decide",
    "decide>pay",
    "decide>reinitiate",
    "decide>reject",
    "examine>check",
    "register>examine",
    "reinitiate>examine",
  ]);
  assert.deepEqual(input.start, ["register"]);
  assert.deepEqual([...input.end].sort(), ["pay", "reject"]);
  const model = compileJourneyModel(input);
  const cost = (trace: string[]) => align(model, trace).cost;
  assert.equal(
    cost(["register request", "examine casually", "check ticket", "decide", "pay compensation"]),
    0,
  );
  assert.equal(
    cost([
      "register request",
      "examine casually",
      "check ticket",
      "decide",
      "reinitiate request",
      "examine casually",
      "check ticket",
      "decide",
      "reject request",
    ]),
    0,
  );
  assert.equal(
    cost(["register request", "check ticket", "examine casually", "decide", "pay compensation"]),
    2,
  );
});

test("BPMN a map cannot be, and files that are not BPMN, are refused with the element named", () => {
  const refused = (xml: string) => {
    try {
      bpmnToJourneyModel(xml);
    } catch (error) {
      assert.ok(error instanceof JourneyModelError);
      return error.message;
    }
    return assert.fail("accepted");
  };
  assert.match(
    refused(
      REQUESTS.replace(
        '<bpmn:exclusiveGateway id="outcome"/>',
        '<bpmn:parallelGateway id="outcome" name="both"/>',
      ),
    ),
    /parallelGateway "both" is not supported/,
  );
  assert.match(refused(REQUESTS.replace('name="decide"', "")), /task decide has no name/);
  assert.match(refused(REQUESTS.replace('targetRef="check"', 'targetRef="nowhere"')), /f4 refers to nowhere/);
  assert.match(refused("<not bpmn"), /not a BPMN file/);
});
