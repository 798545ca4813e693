// The service's own performance from /metrics, sampled in this tab every few seconds:
// requests/s, p50/p99 latency per route (histogram bucket deltas), in-flight requests
// and the database pool over the last minutes.

import { timeChart } from "./charts.js";
import { html, num } from "./format.js";
import { between } from "./prom.js";

export const title = () => "Performance";

const WINDOWS = { 60: "last minute", 300: "last 5 minutes", 600: "last 10 minutes" };
const ms = (seconds) => (seconds === null ? null : seconds * 1000);

export function mount(root, ctx) {
  const sampler = ctx.sampler;
  const view = { window: 60, sort: "rps" };
  root.innerHTML = `
    <h1>Performance <span class="muted small">from <a href="/metrics">/metrics</a>, sampled by this page</span></h1>
    <div id="perf-notice"></div>
    <section class="strip" id="perf-cards"></section>
    <div class="grid3" id="perf-charts"></div>
    <div class="toolbar"><h2>Per route</h2>
      <label>over the <select id="perf-window">${Object.entries(WINDOWS)
        .map(([s, label]) => `<option value="${s}">${label}</option>`).join("")}</select></label>
      <span class="muted small" id="perf-span"></span></div>
    <div class="table-wrap"><table class="data" id="perf-routes">
      <thead><tr><th>Method</th><th>Route</th><th class="num">Requests since start</th><th class="num">In window</th>
        <th class="num">req/s</th><th class="num">p50 ms</th><th class="num">p99 ms</th><th class="num">mean ms</th>
        <th class="num">4xx</th><th class="num">5xx</th></tr></thead><tbody></tbody></table></div>
    <p class="muted small">Samples are kept in this tab only (the last 10 minutes, one every
      ${Math.round(sampler.intervalMs / 1000)} s) and start when the page is opened. Latency quantiles are
      interpolated inside histogram buckets, as Prometheus' histogram_quantile does. With several workers,
      /metrics sums them all.</p>`;
  root.querySelector("#perf-window").addEventListener("change", (e) => {
    view.window = Number(e.target.value);
    render(root, sampler, view);
  });
  const listener = () => render(root, sampler, view);
  sampler.listeners.add(listener);
  return {
    async refresh() {
      if (sampler.timer === null) await sampler.scrape(); // paused: still show one fresh sample
      render(root, sampler, view);
    },
    unmount() {
      sampler.listeners.delete(listener);
    },
  };
}

function render(root, sampler, view) {
  const history = sampler.history;
  const last = history.at(-1);
  root.querySelector("#perf-notice").innerHTML = sampler.error
    ? String(html`<div class="error" id="perf-error">Metrics unavailable: ${sampler.error}</div>`)
    : "";
  if (!last) {
    root.querySelector("#perf-cards").innerHTML = `<div class="notice">waiting for the first sample…</div>`;
    return;
  }
  // a fresh SQLAlchemy pool reports its overflow as -size: no connection beyond the pool is 0
  const overflow = (s) => (s.poolOverflow === null ? null : Math.max(0, s.poolOverflow));
  const intervals = history.slice(1).map((b, i) => ({ at: b.at, ...between(history[i], b) }));
  const recent = intervals.at(-1);
  const minute = between(sampler.windowStart(60_000), last);
  root.querySelector("#perf-cards").innerHTML = String(html`
    <div class="card" id="perf-total" data-value="${last.totalRequests}"><span class="label">Requests since start</span><span class="big">${num(last.totalRequests, 0)}</span><span class="muted">every route, since the service started</span></div>
    <div class="card" id="perf-rps" data-value="${recent?.rps ?? ""}"><span class="label">Requests/s</span><span class="big">${recent ? num(recent.rps, 2) : "…"}</span><span class="muted">last ${recent ? num(recent.seconds, 0) : "…"} s</span></div>
    <div class="card" id="perf-p50" data-value="${minute.p50 ?? ""}"><span class="label">p50 latency</span><span class="big">${num(ms(minute.p50), 1)} ms</span><span class="muted">last minute, all routes</span></div>
    <div class="card" id="perf-p99" data-value="${minute.p99 ?? ""}"><span class="label">p99 latency</span><span class="big">${num(ms(minute.p99), 1)} ms</span><span class="muted">last minute, all routes</span></div>
    <div class="card" id="perf-inflight"><span class="label">In flight</span><span class="big">${num(last.inFlight, 0)}</span><span class="muted">requests now</span></div>
    <div class="card" id="perf-pool"><span class="label">DB pool checked out</span><span class="big">${num(last.poolCheckedOut, 0)} / ${num(last.poolSize, 0)}</span><span class="muted">overflow ${num(overflow(last), 0)}</span></div>`);

  const t = (list, pick) => list.map((s) => [s.at, pick(s)]);
  // the charts span what this tab has sampled: growing to the last 10 minutes
  const axis = { xFrom: history[0].at, xTo: Math.max(last.at, history[0].at + 60_000), height: 180, yMin: 0 };
  root.querySelector("#perf-charts").innerHTML = String(html`
    ${timeChart({ id: "chart-rps", title: "Requests per second", unit: "req/s", ...axis,
      series: [{ label: "req/s", points: t(intervals, (s) => s.rps), color: "#2563eb", style: "linedots" }],
      empty: "needs two samples…" })}
    ${timeChart({ id: "chart-latency", title: "Latency, all routes (per sample interval)", unit: "ms", ...axis,
      series: [
        { label: "p50", points: t(intervals, (s) => ms(s.p50)), color: "#16a34a", style: "linedots" },
        { label: "p99", points: t(intervals, (s) => ms(s.p99)), color: "#dc2626", style: "linedots" },
      ],
      empty: "needs two samples with requests…" })}
    ${timeChart({ id: "chart-pool", title: "Database pool and requests in flight", unit: "connections", ...axis,
      series: [
        { label: "pool size", points: t(history, (s) => s.poolSize), color: "#94a3b8", dash: "4 3" },
        { label: "checked out", points: t(history, (s) => s.poolCheckedOut), color: "#2563eb", style: "linedots" },
        { label: "overflow", points: t(history, overflow), color: "#d97706" },
        { label: "in flight", points: t(history, (s) => s.inFlight), color: "#7c3aed" },
      ] })}`);

  const start = sampler.windowStart(view.window * 1000);
  const span = between(start, last);
  root.querySelector("#perf-span").textContent = start === last
    ? "one sample so far: counts since the service started"
    : `${num(span.seconds, 0)} s between the samples compared`;
  const rows = (start === last ? span.rows.map((r) => ({ ...r, rps: null, p50: null, p99: null, mean: null })) : span.rows)
    .sort((a, b) => (b.requests - a.requests) || (b.total - a.total) || a.key.localeCompare(b.key));
  root.querySelector("#perf-routes tbody").innerHTML = String(html`${rows.map(
    (r) => html`<tr data-route="${r.key}">
      <td>${r.method}</td><td>${r.route}</td>
      <td class="num total" data-value="${r.total}">${num(r.total, 0)}</td>
      <td class="num">${num(r.requests, 0)}</td>
      <td class="num">${num(r.rps, 2)}</td>
      <td class="num">${num(ms(r.p50), 1)}</td>
      <td class="num">${num(ms(r.p99), 1)}</td>
      <td class="num">${num(ms(r.mean), 1)}</td>
      <td class="num">${num(r.errors4xx, 0)}</td>
      <td class="num">${num(r.errors5xx, 0)}</td></tr>`,
  )}`);
}
