// Fuel events as a table and one event's evidence chart; used by the events page and the
// truck page.

import { timeChart } from "./charts.js";
import { badge, html, num, raw, when } from "./format.js";

export const KINDS = [
  "REFUEL",
  "THEFT_SUSPECTED",
  "SIPHONING",
  "SENSOR_GLITCH",
  "SENSOR_NOISE",
  "SENSOR_DISCONNECT",
];
const KIND_COLOR = {
  REFUEL: "#16a34a",
  THEFT_SUSPECTED: "#dc2626",
  SIPHONING: "#dc2626",
  SENSOR_GLITCH: "#6366f1",
  SENSOR_NOISE: "#6366f1",
  SENSOR_DISCONNECT: "#6366f1",
};

export function kindColor(kind) {
  return KIND_COLOR[kind] ?? "#f59e0b";
}

function minutes(event) {
  const ms = new Date(event.end) - new Date(event.start);
  return ms >= 86_400_000 ? `${num(ms / 86_400_000, 1)} d` : `${Math.round(ms / 60_000)} min`;
}

/** Rows of events, newest first; `selected` is an event_id. */
export function eventRows(events, selected, { showTruck = true } = {}) {
  if (!events.length) {
    return html`<tr><td colspan="8" class="muted">no fuel event in this period</td></tr>`;
  }
  return html`${events.map(
    (e) => html`<tr data-event="${e.event_id}" class="${e.event_id === selected ? "selected" : ""}">
      <td class="num">${when(e.start)}</td>
      ${showTruck ? html`<td class="truck"><a href="#/truck/${encodeURIComponent(e.truck_id)}">${e.truck_id}</a></td>` : ""}
      <td>${badge(e.kind)}</td>
      <td class="num">${num(e.gallons)} gal</td>
      <td class="num">${num(e.level_before_pct)} → ${num(e.level_after_pct)} %</td>
      <td class="num">${minutes(e)}</td>
      <td class="num">${num(e.confidence * 100, 0)} %</td>
      <td class="reason">${e.reason}</td>
    </tr>`,
  )}`;
}

export function eventHeader({ showTruck = true } = {}) {
  return raw(`<tr><th class="num">Start</th>${showTruck ? "<th>Truck</th>" : ""}<th>Kind</th>
    <th class="num">Gallons</th><th class="num">Level</th><th class="num">Duration</th>
    <th class="num">Confidence</th><th>Reason</th></tr>`);
}

/** The readings that made an event: gauge, smoothed level, speed; the event's span shaded. */
export function evidenceChart(event, id = "evidence-chart") {
  if (!event) return html`<div class="notice">Select an event to see its evidence.</div>`;
  const points = (key) => event.evidence.map((p) => [Date.parse(p.ts), p[key]]);
  const chart = timeChart({
    id,
    title: `${event.kind} · ${event.truck_id} · ${when(event.start)} — evidence (${event.evidence.length} readings)`,
    unit: "fuel %",
    unitRight: "mph",
    height: 240,
    series: [
      { label: "gauge %", color: "#94a3b8", points: points("level_pct"), style: "linedots" },
      { label: "smoothed % (median of 5)", color: "#2563eb", points: points("smoothed_pct") },
      { label: "speed mph", color: "#d97706", points: points("speed_mph"), axis: "right", dash: "3 3" },
    ],
    thresholds: [
      { value: event.level_before_pct, label: `before ${num(event.level_before_pct)} %`, color: "#64748b" },
      { value: event.level_after_pct, label: `after ${num(event.level_after_pct)} %`, color: kindColor(event.kind) },
    ],
    spans: [
      { from: Date.parse(event.start), to: Date.parse(event.end), label: event.kind, color: kindColor(event.kind) },
    ],
  });
  const where = event.location ? `${num(event.location.lat, 4)}, ${num(event.location.lon, 4)}` : "—";
  return html`<div class="evidence">${chart}
    <dl class="facts" id="${id}-facts">
      <dt>Truck</dt><dd><a href="#/truck/${encodeURIComponent(event.truck_id)}">${event.truck_id}</a></dd>
      <dt>Kind</dt><dd>${badge(event.kind)}</dd>
      <dt>When</dt><dd>${when(event.start)} → ${when(event.end)} (${minutes(event)})</dd>
      <dt>Gallons</dt><dd>${num(event.gallons)} gal (${num(event.level_before_pct)} → ${num(event.level_after_pct)} %)</dd>
      <dt>Confidence</dt><dd>${num(event.confidence * 100, 0)} %</dd>
      <dt>Location</dt><dd>${where}</dd>
      <dt>Reason</dt><dd>${event.reason}</dd>
    </dl></div>`;
}
