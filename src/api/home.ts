/** The home page served at / until the dashboard lands: what runs here and where to go next. */
export function homePage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Customer Flow</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#1d2330}
code{background:#f2f4f7;padding:.1rem .3rem;border-radius:4px}a{color:#0b5cad}</style></head>
<body><h1>Customer Flow</h1>
<p>Cross-channel customer journeys and Social CRM. This server collects events (Segment and PostHog shapes) and
answers the read API.</p>
<ul>
<li><a href="/docs">API reference (OpenAPI)</a></li>
<li><a href="/health">Health</a></li>
<li>Customer 360: <code>GET /v1/customers/{any identifier}</code> with a read key</li>
</ul></body></html>`;
}
