/** The Customer Flow dashboard: one page, views chosen in the URL hash, filters shared by every view. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { get, readKey, setReadKey } from "./api";
import { loadCharts } from "./chart";
import { type Filters, parseHash, type Route, toHash } from "./state";
import { BehaviourView } from "./views/behaviour";
import { BlueprintView } from "./views/blueprint";
import { CustomerView } from "./views/customer";
import { FlowsView } from "./views/flows";
import { FrictionView } from "./views/friction";
import { FunnelView } from "./views/funnel";
import { MapView } from "./views/map";
import { OverviewView } from "./views/overview";
import { SegmentsView } from "./views/segments";
import { ValueView } from "./views/value";

export interface ViewProps {
  route: Route;
  navigate: (route: Partial<Route>) => void;
}

/** The views; `charts`: it draws ECharts charts as it opens (loaded with the view, not after its data). */
const VIEWS: Array<{
  id: string;
  title: string;
  component: (p: ViewProps) => preact.JSX.Element;
  charts: boolean;
}> = [
  { id: "overview", title: "Overview", component: OverviewView, charts: true },
  { id: "flows", title: "Flows", component: FlowsView, charts: true },
  { id: "map", title: "Process map", component: MapView, charts: false },
  { id: "funnel", title: "Funnels", component: FunnelView, charts: true },
  { id: "friction", title: "Friction", component: FrictionView, charts: false },
  { id: "blueprint", title: "Blueprint", component: BlueprintView, charts: false },
  { id: "behaviour", title: "Behaviour", component: BehaviourView, charts: true },
  { id: "segments", title: "Segments", component: SegmentsView, charts: true },
  { id: "value", title: "Value", component: ValueView, charts: true },
  { id: "customer", title: "Customer 360", component: CustomerView, charts: true },
];

function Login(props: { onKey: () => void; error?: string }) {
  const [key, setKey] = useState("");
  return (
    <form
      class="login"
      onSubmit={(e) => {
        e.preventDefault();
        setReadKey(key.trim());
        props.onKey();
      }}
    >
      <h1>Customer Flow</h1>
      <p>
        Enter a read key (the demo's is <code>rk_demo</code>).
      </p>
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      <label>
        Read key{" "}
        <input name="key" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
      </label>{" "}
      <button type="submit">Open</button>
    </form>
  );
}

function FilterBar(props: { filters: Filters; onChange: (f: Filters) => void }) {
  const [segments, setSegments] = useState<Array<{ id: number; label: string }>>([]);
  useEffect(() => {
    get<{ segments: Array<{ id: number; label: string }> }>("/v1/segments").then(
      (r) => setSegments(r.segments),
      () => setSegments([]),
    );
  }, []);
  const set = (k: keyof Filters) => (e: Event) =>
    props.onChange({ ...props.filters, [k]: (e.target as HTMLInputElement).value || undefined });
  return (
    <search class="filters" aria-label="Filters for every view">
      <label>
        From <input type="date" name="from" value={props.filters.from ?? ""} onChange={set("from")} />
      </label>
      <label>
        To <input type="date" name="to" value={props.filters.to ?? ""} onChange={set("to")} />
      </label>
      <label>
        Channel
        <select name="channel" value={props.filters.channel ?? ""} onChange={set("channel")}>
          <option value="">all</option>
          {["web", "app", "email", "phone", "contact_center", "store", "social", "chat", "post", "peer"].map(
            (c) => (
              <option value={c}>{c}</option>
            ),
          )}
        </select>
      </label>
      <label>
        Segment
        <select name="segment" value={props.filters.segment ?? ""} onChange={set("segment")}>
          <option value="">all customers</option>
          {segments.map((s) => (
            <option value={String(s.id)}>
              {s.id}. {s.label}
            </option>
          ))}
        </select>
      </label>
      <button type="button" class="secondary" onClick={() => props.onChange({})}>
        Clear filters
      </button>
    </search>
  );
}

function App() {
  const [route, setRoute] = useState<Route>(parseHash(location.hash));
  const [hasKey, setHasKey] = useState(Boolean(readKey()));
  const [authError, setAuthError] = useState<string>();
  useEffect(() => {
    const onHash = () => setRoute(parseHash(location.hash));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  useEffect(() => {
    if (!hasKey) return;
    get("/v1/access").catch((e: Error) => {
      if (/^40[13]/.test(e.message)) {
        setReadKey(null);
        setHasKey(false);
        setAuthError(`That key was refused (${e.message}).`);
      }
    });
  }, [hasKey]);
  if (!hasKey) return <Login onKey={() => setHasKey(true)} error={authError} />;
  const navigate = (next: Partial<Route>) => {
    location.hash = toHash({
      ...route,
      ...next,
      extra: next.extra ?? (next.view && next.view !== route.view ? {} : route.extra),
    });
  };
  const current = VIEWS.find((v) => v.id === route.view) ?? VIEWS[0];
  if (current.charts) loadCharts();
  const Current = current.component;
  return (
    <>
      <header>
        <h1>Customer Flow</h1>
        <nav aria-label="Views">
          {VIEWS.map((v) => (
            <a
              href={toHash({ view: v.id, filters: route.filters, extra: {} })}
              aria-current={v.id === current.id ? "page" : undefined}
            >
              {v.title}
            </a>
          ))}
        </nav>
      </header>
      <FilterBar filters={route.filters} onChange={(filters) => navigate({ filters })} />
      <Current key={current.id} route={route} navigate={navigate} />
    </>
  );
}

// The demo prints a link with ?key=...: keep the key in this tab's session and drop it from the address.
const fromUrl = new URLSearchParams(location.search).get("key");
if (fromUrl) {
  setReadKey(fromUrl);
  history.replaceState(null, "", `${location.pathname}${location.hash}`);
}
render(<App />, document.getElementById("app") as HTMLElement);
