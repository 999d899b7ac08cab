/** Loading, error and empty states in one place; a view is marked data-ready once its data is drawn. */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { chartsReady } from "./chart";

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading: boolean;
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ loading: true });
  useEffect(() => {
    let live = true;
    setState({ loading: true });
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error: error.message, loading: false }),
    );
    return () => {
      live = false;
    };
  }, deps);
  return state;
}

export function Show<T>(props: {
  state: Loaded<T>;
  empty?: (data: T) => boolean;
  children: (data: T) => ComponentChildren;
}) {
  const { state } = props;
  if (state.loading)
    return (
      // A skeleton where the data will be: the page keeps its shape while the answer comes.
      <div class="skeleton" aria-busy="true">
        <span class="visually-hidden">Loading…</span>
        <div />
        <div />
        <div />
      </div>
    );
  if (state.error)
    return (
      <p class="error" role="alert">
        The API answered: {state.error}
      </p>
    );
  if (state.data === undefined || props.empty?.(state.data))
    return <p class="status">No data for these filters.</p>;
  return <>{props.children(state.data)}</>;
}

/** Notes when a view (or a later part of one) was drawn, in ms since navigation: for tests and timings. */
export function markDrawn(name: string): void {
  const marks = window as unknown as { __viewReady?: Record<string, number> };
  marks.__viewReady = { ...(marks.__viewReady ?? {}), [name]: performance.now() };
}

/**
 * A view's root: data-ready flips to "true" when every part reports ready and its charts are drawn (for
 * tests and timings; the charts' own effects draw first, once ECharts has loaded, where the view has charts).
 */
export function View(props: { name: string; ready: boolean; children: ComponentChildren }) {
  const [drawn, setDrawn] = useState(false);
  useEffect(() => {
    let live = true;
    if (!props.ready) setDrawn(false);
    else
      chartsReady().then(() => {
        if (!live) return;
        markDrawn(props.name);
        setDrawn(true);
      });
    return () => {
      live = false;
    };
  }, [props.ready]);
  return (
    <main data-view={props.name} data-ready={props.ready && drawn ? "true" : "false"}>
      {props.children}
    </main>
  );
}

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "–";

/** Seconds as the dashboard shows waits: s, min, h or d; "–" for none. */
export const duration = (s: number | null) =>
  s === null
    ? "–"
    : s >= 86_400
      ? `${fmt(s / 86_400, 1)} d`
      : s >= 3600
        ? `${fmt(s / 3600, 1)} h`
        : s >= 60
          ? `${fmt(s / 60, 1)} min`
          : `${fmt(s, 0)} s`;
