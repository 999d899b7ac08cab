import assert from "node:assert/strict";
import { test } from "node:test";
import { layOut } from "./elk-instance.js";
import type { LaidOut, LayoutInput } from "./map-layout.js";
import { END_NODE, START_NODE } from "./map-view.js";

/** start -> a -> b -> c -> end with a loop back from c to a, and a short cut a -> c. */
function chain(direction: LayoutInput["direction"]): LayoutInput {
  return {
    direction,
    nodes: [
      { id: "c", kind: "activity" },
      { id: END_NODE, kind: "end" },
      { id: "a", kind: "activity" },
      { id: START_NODE, kind: "start" },
      { id: "b", kind: "activity" },
    ],
    edges: [
      { from: START_NODE, to: "a", count: 10, label: "10" },
      { from: "a", to: "b", count: 8, label: "8" },
      { from: "b", to: "c", count: 8, label: "8" },
      { from: "c", to: "a", count: 2, label: "2" },
      { from: "a", to: "c", count: 2, label: "2 min" },
      { from: "c", to: END_NODE, count: 10, label: "10" },
    ],
  };
}

const box = (laid: LaidOut, id: string) => laid.nodes.find((n) => n.id === id)!;
/** The first point of an SVG path "Mx,y ...". */
const firstPoint = (path: string) =>
  path.slice(1).split(/[ CL]/)[0]!.split(",").map(Number) as [number, number];
const inside = (point: [number, number], b: { x: number; y: number; width: number; height: number }) =>
  point[0] >= b.x - 1 &&
  point[0] <= b.x + b.width + 1 &&
  point[1] >= b.y - 1 &&
  point[1] <= b.y + b.height + 1;

test("left to right: the start first, the end last, the main path in order, each edge routed from its own step", async () => {
  const input = chain("right");
  const laid = await layOut(input);
  assert.equal(laid.nodes.length, input.nodes.length);
  assert.equal(laid.edges.length, input.edges.length);
  const x = (id: string) => box(laid, id).x;
  assert.ok(x(START_NODE) < x("a") && x("a") < x("b") && x("b") < x("c") && x("c") < x(END_NODE));
  for (const node of laid.nodes) {
    assert.ok(
      node.x >= 0 && node.y >= 0 && node.x + node.width <= laid.width && node.y + node.height <= laid.height,
    );
    assert.ok(node.width > 0 && node.height > 0);
  }
  input.edges.forEach((edge, i) => {
    const { path, label } = laid.edges[i]!;
    assert.match(path, /^M[\d.]+,[\d.]+ /);
    assert.ok(inside(firstPoint(path), box(laid, edge.from)), `edge ${i} starts at ${edge.from}`);
    assert.equal(label?.text, edge.label);
  });
});

test("top to bottom: the start above the steps, the end below them", async () => {
  const laid = await layOut(chain("down"));
  const y = (id: string) => box(laid, id).y;
  assert.ok(y(START_NODE) < y("a") && y("a") < y("b") && y("c") < y(END_NODE));
});

test("past 150 edges the labels are put on the edges' routes instead of being laid out", async () => {
  const steps = Array.from({ length: 13 }, (_, i) => `step ${i}`);
  const input: LayoutInput = {
    direction: "right",
    nodes: steps.map((id) => ({ id, kind: "activity" })),
    edges: steps.flatMap((from, i) =>
      steps
        .filter((to) => to !== from)
        .map((to, j) => ({ from, to, count: 1 + ((i + j) % 7), label: `${i}-${j}` })),
    ),
  };
  assert.ok(input.edges.length > 150);
  const laid = await layOut(input);
  assert.equal(laid.edges.length, input.edges.length);
  assert.deepEqual(
    laid.edges.map(({ label }) => label?.text),
    input.edges.map((e) => e.label),
  );
});
