/**
 * XES export (IEEE 1849) of any filtered set of journeys, readable by pm4py and ProM: one trace per case
 * (concept:name = case id), one event per step (concept:name = the step, time:timestamp, channel,
 * lifecycle:transition complete). Written by hand: a few lines of XML with escaping.
 */

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { Engine } from "../store/engine.js";
import { type JourneyFilter, journeyCases, type Touch } from "./query.js";

const escapeXml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!,
  );

export async function exportXes(
  engine: Engine,
  file: string,
  filter: JourneyFilter = {},
): Promise<{ cases: number; events: number }> {
  const { sql, params } = await journeyCases(engine, filter);
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  await write(
    '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">\n' +
      '  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n' +
      '  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>\n' +
      '  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>\n',
  );
  let cases = 0;
  let events = 0;
  for await (const { case_id, journey } of engine.stream<{
    case_id: string;
    journey: Touch[];
  }>(`SELECT case_id, journey FROM (${sql}) WHERE length(journey) > 0 ORDER BY case_id`, params)) {
    cases++;
    let trace = `  <trace>\n    <string key="concept:name" value="${escapeXml(case_id)}"/>\n`;
    for (const [time, , step, channel] of journey) {
      events++;
      trace +=
        `    <event>\n      <string key="concept:name" value="${escapeXml(step)}"/>\n` +
        `      <date key="time:timestamp" value="${new Date(Number(time)).toISOString()}"/>\n` +
        `      <string key="channel" value="${escapeXml(channel)}"/>\n      <string key="lifecycle:transition" value="complete"/>\n    </event>\n`;
    }
    await write(`${trace}  </trace>\n`);
  }
  await write("</log>\n");
  out.end();
  await once(out, "finish");
  return { cases, events };
}
