/**
 * Streams an XES event log (IEEE 1849) as flat rows: trace `concept:name` is the case (customer), event
 * `concept:name` the activity, `time:timestamp` the time; every other attribute is kept, trace attributes
 * prefixed with `case:` as pm4py does. Written on the saxes SAX parser; no kept library reads XES in Node.
 */
import { SaxesParser } from "saxes";

export interface XesRow {
  row: Record<string, string>;
  /** 1-based position of the event in the file, for error messages. */
  line: number;
}

const ATTRIBUTE_TAGS = new Set(["string", "date", "int", "float", "boolean", "id"]);

/** `chunks` must be decoded text (a stream with setEncoding("utf8")). */
export async function* readXes(chunks: AsyncIterable<string>): AsyncIterable<XesRow> {
  const parser = new SaxesParser();
  const ready: XesRow[] = [];
  let traceAttributes: Record<string, string> | undefined;
  let event: Record<string, string> | undefined;
  let depthInEvent = 0;
  let depthInTrace = 0;
  let failure: Error | undefined;

  parser.on("opentag", (tag) => {
    const name = tag.name;
    if (name === "trace") {
      traceAttributes = {};
      depthInTrace = 0;
      return;
    }
    if (name === "event" && traceAttributes) {
      event = {};
      depthInEvent = 0;
      return;
    }
    if (event) depthInEvent++;
    else if (traceAttributes) depthInTrace++;
    if (!ATTRIBUTE_TAGS.has(name)) return;
    const key = String(tag.attributes.key ?? "");
    const value = String(tag.attributes.value ?? "");
    // Only top-level attributes; nested (list/container) children are skipped.
    if (event && depthInEvent === 1) event[key] = value;
    else if (!event && traceAttributes && depthInTrace === 1) traceAttributes[`case:${key}`] = value;
  });
  parser.on("closetag", (tag) => {
    if (tag.name === "event" && event && traceAttributes) {
      ready.push({ row: { ...traceAttributes, ...event }, line: parser.line });
      event = undefined;
      return;
    }
    if (tag.name === "trace") {
      traceAttributes = undefined;
      return;
    }
    if (event) depthInEvent--;
    else if (traceAttributes) depthInTrace--;
  });
  parser.on("error", (error) => {
    failure = error;
  });

  for await (const chunk of chunks) {
    parser.write(String(chunk));
    if (failure) throw failure;
    yield* ready.splice(0);
  }
  parser.close();
  if (failure) throw failure;
  yield* ready.splice(0);
}
