import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "../seeded-random.js";
import {
  compareWithDesign,
  END_NODE,
  flowOrder,
  kept,
  type MapData,
  START_NODE,
  selectMap,
} from "./map-view.js";

/** A map from whole sequences, counted the way the engine counts them (occurrences and cases). */
function mapOf(sequences: string[][]): MapData {
  const map: MapData = {
    cases: sequences.length,
    activities: {},
    activityCases: {},
    start: {},
    end: {},
    edges: [],
  };
  const edges = new Map<string, MapData["edges"][number]>();
  for (const steps of sequences) {
    const seen = new Set<string>();
    steps.forEach((step, i) => {
      map.activities[step] = (map.activities[step] ?? 0) + 1;
      if (!seen.has(step)) map.activityCases[step] = (map.activityCases[step] ?? 0) + 1;
      seen.add(step);
      if (i === 0) return;
      const key = `${steps[i - 1]}>${step}`;
      const edge = edges.get(key) ?? {
        from: steps[i - 1]!,
        to: step,
        count: 0,
        cases: 0,
        medianSeconds: 60,
        p90Seconds: 120,
      };
      edge.count++;
      if (!seen.has(key)) edge.cases++;
      seen.add(key);
      edges.set(key, edge);
    });
    map.start[steps[0]!] = (map.start[steps[0]!] ?? 0) + 1;
    map.end[steps.at(-1)!] = (map.end[steps.at(-1)!] ?? 0) + 1;
  }
  map.edges = [...edges.values()];
  return map;
}

const ORDERS = mapOf([
  ["home", "product page", "cart", "checkout", "order"],
  ["home", "product page", "cart", "checkout", "order"],
  ["home", "product page", "product page", "cart", "checkout", "checkout error", "checkout", "order"],
  ["search", "product page", "cart"],
  ["home", "product page"],
  ["email", "product page", "cart", "checkout", "order"],
]);

test("both sliders at the top: every activity, every path, and the start and end edges", () => {
  const all = selectMap(ORDERS, 1, 1);
  assert.deepEqual(all.hidden, { activities: 0, edges: 0 });
  assert.equal(all.nodes.length, Object.keys(ORDERS.activities).length + 2);
  assert.equal(all.edges.filter((e) => e.kind === "flow").length, ORDERS.edges.length);
  assert.equal(all.edges.filter((e) => e.kind === "start").length, Object.keys(ORDERS.start).length);
  assert.equal(all.edges.filter((e) => e.kind === "end").length, Object.keys(ORDERS.end).length);
  const start = all.nodes.find((n) => n.id === START_NODE)!;
  assert.equal(start.cases, 6);
  const page = all.nodes.find((n) => n.id === "product page")!;
  assert.deepEqual([page.count, page.cases], [7, 6]);
  const fromHome = all.edges.find((e) => e.from === START_NODE && e.to === "home")!;
  assert.deepEqual([fromHome.count, fromHome.medianSeconds], [4, null]);
});

test("at the bottom: the most frequent activity with its ways in and out that are shown", () => {
  const least = selectMap(ORDERS, 0, 0);
  // "product page" never starts a case: no start node; it ends one.
  assert.deepEqual(
    least.nodes.map((n) => n.id),
    ["product page", END_NODE],
  );
  assert.ok(least.edges.some((e) => e.from === "product page" && e.to === END_NODE));
  assert.equal(least.hidden.activities, Object.keys(ORDERS.activities).length - 1);
  const two = selectMap(ORDERS, 2 / 7, 0);
  assert.deepEqual(
    two.nodes.map((n) => n.id),
    ["product page", "cart", END_NODE],
  );
  assert.ok(two.edges.some((e) => e.from === "product page" && e.to === "cart" && e.count === 5));
});

test("kept: a share of a total, at least one, never more than all", () => {
  assert.deepEqual([kept(0, 0.5), kept(10, 0), kept(10, 0.34), kept(10, 1), kept(10, 7)], [0, 1, 3, 10, 10]);
});

test("on random maps: more slider shows more, edges join shown nodes, and no shown activity is an island", () => {
  for (let seed = 1; seed <= 200; seed++) {
    const next = seededRandom(seed);
    const alphabet = Array.from({ length: 2 + Math.floor(next() * 12) }, (_, i) => `a${i}`);
    const sequences = Array.from({ length: 1 + Math.floor(next() * 30) }, () =>
      Array.from(
        { length: 1 + Math.floor(next() * 8) },
        () => alphabet[Math.floor(next() ** 2 * alphabet.length)]!,
      ),
    );
    const map = mapOf(sequences);
    let previous = { nodes: 0, edges: 0 };
    for (const activities of [0, 0.25, 0.5, 0.75, 1]) {
      let previousPaths = -1;
      for (const paths of [0, 0.3, 0.6, 1]) {
        const view = selectMap(map, activities, paths);
        const ids = new Set(view.nodes.map((n) => n.id));
        for (const e of view.edges)
          assert.ok(ids.has(e.from) && ids.has(e.to), `seed ${seed}: edge to a hidden node`);
        assert.ok(view.edges.length >= previousPaths, `seed ${seed}: the paths slider hid edges as it rose`);
        previousPaths = view.edges.length;
        for (const node of view.nodes.filter((n) => n.kind === "activity")) {
          const has = (dir: "from" | "to") =>
            map.edges.some(
              (e) => e[dir === "from" ? "to" : "from"] === node.id && e[dir] !== node.id && ids.has(e[dir]),
            ) || (dir === "from" ? node.id in map.start : node.id in map.end);
          const shown = (dir: "from" | "to") =>
            view.edges.some((e) => e[dir === "from" ? "to" : "from"] === node.id && e[dir] !== node.id);
          if (has("from")) assert.ok(shown("from"), `seed ${seed}: ${node.id} has no way in`);
          if (has("to")) assert.ok(shown("to"), `seed ${seed}: ${node.id} has no way out`);
        }
      }
      const full = selectMap(map, activities, 1);
      assert.ok(full.nodes.length >= previous.nodes && full.edges.length >= previous.edges, `seed ${seed}`);
      previous = { nodes: full.nodes.length, edges: full.edges.length };
    }
  }
});

test("flow order: the order funnel reads from start to end, and order comes after checkout", () => {
  const all = selectMap(ORDERS, 1, 1);
  const order = flowOrder(
    all.nodes.map((n) => n.id),
    all.edges,
  );
  assert.equal(order[0], START_NODE);
  assert.equal(order.at(-1), END_NODE);
  const at = (id: string) => order.indexOf(id);
  assert.ok(at("home") < at("product page") && at("product page") < at("cart"));
  assert.ok(at("cart") < at("checkout") && at("checkout") < at("order"), order.join(" > "));
});

test("flow order on random graphs: every node once, and at most half the edge weight points backwards", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const next = seededRandom(seed);
    const nodes = Array.from({ length: 1 + Math.floor(next() * 15) }, (_, i) => `n${i}`);
    const edges = Array.from({ length: Math.floor(next() * 40) }, () => ({
      from: nodes[Math.floor(next() * nodes.length)]!,
      to: nodes[Math.floor(next() * nodes.length)]!,
      count: 1 + Math.floor(next() * 100),
    }));
    const order = flowOrder(nodes, edges);
    assert.deepEqual([...order].sort(), [...nodes].sort(), `seed ${seed}`);
    const position = new Map(order.map((id, i) => [id, i]));
    let backwards = 0;
    let total = 0;
    for (const e of edges) {
      if (e.from === e.to) continue;
      total += e.count;
      if (position.get(e.from)! > position.get(e.to)!) backwards += e.count;
    }
    assert.ok(backwards <= total / 2, `seed ${seed}: ${backwards} of ${total} backwards`);
  }
});

test("against a designed map: drawn edges designed or off the map, designed flows not drawn as references", () => {
  const design = {
    steps: [
      { id: "h", label: "home" },
      { id: "p", label: "product page" },
      { id: "c", label: "cart" },
      { id: "k", label: "checkout" },
      { id: "o", label: "order" },
      { id: "x", label: "not in the data" },
    ],
    flows: [
      { from: "h", to: "p" },
      { from: "p", to: "c" },
      { from: "c", to: "k" },
      { from: "k", to: "o" },
      { from: "o", to: "h" },
      { from: "o", to: "x" },
    ],
    start: ["h"],
    end: ["o"],
  };
  const selection = selectMap(ORDERS, 1, 1);
  const { edges } = compareWithDesign(selection, design);
  const status = (from: string, to: string) => edges.find((e) => e.from === from && e.to === to)?.status;
  assert.equal(status("home", "product page"), "designed");
  assert.equal(status(START_NODE, "home"), "designed");
  assert.equal(status("order", END_NODE), "designed");
  assert.equal(status("product page", "product page"), "off-map", "the map has no loop on the product page");
  assert.equal(status(START_NODE, "search"), "off-map");
  assert.equal(status("checkout", "checkout error"), "off-map");
  assert.equal(status("order", "home"), "reference", "designed, never taken");
  assert.equal(status("order", "not in the data"), undefined, "a step not shown gets no edge");
  assert.equal(edges.filter((e) => e.status !== "reference").length, selection.edges.length);
  assert.ok(edges.filter((e) => e.status === "reference").every((e) => e.count === 0));
});
