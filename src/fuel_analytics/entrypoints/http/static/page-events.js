// Recent fuel events across the fleet, newest first, with the evidence of the one selected.

import { allByCursor } from "./api.js";
import { eventHeader, eventRows, evidenceChart, KINDS } from "./events-view.js";
import { html } from "./format.js";

export const title = () => "Fuel events";
const SHOWN = 300;

export function mount(root, ctx) {
  const view = { events: [], selected: null, kind: "", minConfidence: "" };
  root.innerHTML = `
    <h1>Fuel events</h1>
    <div class="toolbar">
      <label>Kind <select id="event-kind"><option value="">all kinds</option>
        ${KINDS.map((k) => `<option value="${k}">${k}</option>`).join("")}</select></label>
      <label>Confidence <select id="event-confidence"><option value="">any</option>
        <option value="0.5">≥ 50 %</option><option value="0.8">≥ 80 %</option></select></label>
      <span id="event-count" class="muted"></span>
    </div>
    <div class="panel" id="event-evidence"></div>
    <h2>Events, newest first</h2>
    <div class="table-wrap"><table class="data" id="events-table"><thead>${String(eventHeader())}</thead><tbody></tbody></table></div>`;
  const refilter = async () => {
    view.kind = root.querySelector("#event-kind").value;
    view.minConfidence = root.querySelector("#event-confidence").value;
    await load();
  };
  root.querySelector("#event-kind").addEventListener("change", refilter);
  root.querySelector("#event-confidence").addEventListener("change", refilter);
  root.querySelector("tbody").addEventListener("click", (e) => {
    const row = e.target.closest("tr[data-event]");
    if (!row || e.target.closest("a")) return;
    view.selected = row.dataset.event;
    render(root, view);
  });

  async function load() {
    const period = ctx.period();
    const found = await allByCursor("/api/v2/fleet/fuel-events", {
      from: period.from,
      to: period.to,
      kind: view.kind,
      min_confidence: view.minConfidence,
    });
    view.events = found.reverse(); // the API pages oldest first
    view.period = period;
    if (!view.events.some((e) => e.event_id === view.selected)) view.selected = view.events[0]?.event_id ?? null;
    render(root, view);
  }
  return { refresh: load };
}

function render(root, view) {
  const shown = view.events.slice(0, SHOWN);
  root.querySelector("#event-count").textContent =
    `${view.events.length} events in the ${view.period?.label ?? "period"}` +
    (view.events.length > SHOWN ? ` (newest ${SHOWN} shown)` : "");
  root.querySelector("tbody").innerHTML = String(eventRows(shown, view.selected));
  const event = view.events.find((e) => e.event_id === view.selected);
  root.querySelector("#event-evidence").innerHTML = String(html`${evidenceChart(event)}`);
}
