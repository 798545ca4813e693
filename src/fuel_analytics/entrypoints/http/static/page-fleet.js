// The fleet table: status, fuel, data age, MPG vs baseline and alerts for every truck,
// sortable by any column and filtered by a search box.
//
// No single endpoint has all of it: /trucks (status, fuel, age), /fleet/summary (low-fuel
// threshold, DEF alerts), /fleet/fuel (every truck's period summary: MPG vs baseline),
// /fleet/fuel-events (thefts) and /fleet/maintenance (components).

import { allByCursor, allByOffset, cached, getJson } from "./api.js";
import { age, badge, html, num, signedPct, update } from "./format.js";

export const title = () => "Fleet";

const SLOW_MS = 60_000; // MPG, thefts and components change slowly: fetched once a minute
const STATUS_ORDER = { MOVING: 0, IDLE: 1, STOPPED: 2, OFFLINE: 3 };
const SEVERITY = { critical: 100, warning: 10, info: 1 };
const COMPONENT_SEVERITY = { CRITICAL: "critical", HIGH: "critical", MEDIUM: "warning", LOW: "info" };

const COLUMNS = [
  { key: "truck", label: "Truck", value: (r) => r.truck_id, type: "text" },
  { key: "status", label: "Status", value: (r) => STATUS_ORDER[r.status] ?? 9 },
  { key: "fuel", label: "Fuel %", value: (r) => r.fuel_level_pct, num: true },
  { key: "age", label: "Data age", value: (r) => r.data_age_s, num: true },
  { key: "mpg", label: "MPG", value: (r) => r.mpg?.mpg, num: true },
  { key: "baseline", label: "Baseline MPG", value: (r) => r.baseline_mpg, num: true },
  { key: "deviation", label: "vs baseline", value: (r) => r.mpg?.mpg_deviation_pct, num: true },
  { key: "alerts", label: "Alerts", value: (r) => r.alertScore },
];

export function mount(root, ctx) {
  const view = { sort: { key: "alerts", dir: -1 }, search: "", rows: [], summary: null, slow: null };
  root.innerHTML = `
    <section class="strip" id="fleet-strip"></section>
    <div class="toolbar">
      <input id="fleet-search" type="search" placeholder="Search trucks, status, alerts…" aria-label="search trucks">
      <span id="fleet-count" class="muted"></span>
    </div>
    <div class="table-wrap">
      <table id="fleet-table" class="data">
        <thead><tr>${COLUMNS.map((c) => `<th data-key="${c.key}" class="${c.num ? "num" : ""}" tabindex="0" role="columnheader">${c.label}</th>`).join("")}</tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <p class="muted small" id="fleet-note"></p>`;
  const search = root.querySelector("#fleet-search");
  search.addEventListener("input", () => {
    view.search = search.value.trim().toLowerCase();
    renderRows(root, view);
  });
  const sortBy = (key) => {
    view.sort = view.sort.key === key ? { key, dir: -view.sort.dir } : { key, dir: key === "truck" ? 1 : -1 };
    renderRows(root, view);
  };
  root.querySelector("thead").addEventListener("click", (e) => {
    const th = e.target.closest("th");
    if (th) sortBy(th.dataset.key);
  });
  root.querySelector("thead").addEventListener("keydown", (e) => {
    const th = e.target.closest("th");
    if (th && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      sortBy(th.dataset.key);
    }
  });
  root.querySelector("tbody").addEventListener("click", (e) => {
    const row = e.target.closest("tr[data-truck]");
    if (row && !e.target.closest("a")) ctx.navigate(`#/truck/${encodeURIComponent(row.dataset.truck)}`);
  });

  return {
    async refresh() {
      const period = ctx.period();
      const [trucks, summary] = await Promise.all([
        allByOffset("/api/v2/trucks"),
        getJson("/api/v2/fleet/summary", { from: period.from, to: period.to }),
      ]);
      view.trucks = trucks;
      view.summary = summary;
      view.rows = rowsOf(view);
      renderStrip(root, summary, period);
      renderRows(root, view);
      view.slow = await slowFacts(trucks, period);
      view.rows = rowsOf(view);
      renderRows(root, view);
      root.querySelector("#fleet-note").textContent =
        `MPG over the ${period.label} (daily rollups). Alerts: offline, low fuel (< ${summary.low_fuel_threshold_pct} %), ` +
        "DEF level, MPG band WARNING/CRITICAL, suspected theft or siphoning in the period, components not OK.";
    },
  };
}

async function slowFacts(trucks, period) {
  const range = { from: period.from, to: period.to };
  const ids = trucks.map((t) => t.truck_id);
  const [fuel, thefts, maintenance] = await Promise.all([
    cached(`fleet-mpg:${period.key}`, SLOW_MS, () =>
      getJson("/api/v2/fleet/fuel", range).then(
        (answer) => {
          const byTruck = new Map(answer.items.map((s) => [s.truck_id, s]));
          return ids.map((id) => byTruck.get(id) ?? { mpg: null, mpg_reason: "no data in the period" });
        },
        (error) => ids.map(() => ({ mpg: null, mpg_reason: `could not load: ${error.message}`, failed: true })),
      ),
    ),
    cached(`fleet-thefts:${period.key}`, SLOW_MS, () =>
      allByCursor("/api/v2/fleet/fuel-events", { ...range, kind: "THEFT_SUSPECTED,SIPHONING" }),
    ),
    cached("fleet-maintenance", SLOW_MS, () => getJson("/api/v2/fleet/maintenance", { limit: 5000 })),
  ]);
  return {
    mpg: new Map(ids.map((id, i) => [id, fuel[i]])),
    thefts,
    maintenance: maintenance.items,
  };
}

function rowsOf(view) {
  const summary = view.summary;
  const defByTruck = new Map((summary?.kpis.def_alerts ?? []).map((a) => [a.truck_id, a]));
  return view.trucks.map((truck) => {
    const mpg = view.slow?.mpg.get(truck.truck_id) ?? null;
    const alerts = [];
    if (truck.last_seen === null) alerts.push({ text: "NO DATA", level: "warning", why: "never reported" });
    else if (truck.status === "OFFLINE") {
      alerts.push({ text: "OFFLINE", level: "warning", why: `no data for ${age(truck.data_age_s)}` });
    }
    if (truck.fuel_level_pct !== null && summary && truck.fuel_level_pct < summary.low_fuel_threshold_pct) {
      alerts.push({ text: "LOW FUEL", level: "critical", why: `${num(truck.fuel_level_pct)} % in the tank` });
    }
    const def = defByTruck.get(truck.truck_id);
    if (def) {
      const level = def.band === "CRITICAL" || def.band === "EMERGENCY" ? "critical" : "warning";
      alerts.push({ text: `DEF ${def.band}`, level, why: `DEF tank at ${num(def.level_pct)} %` });
    }
    if (mpg?.mpg_band === "WARNING" || mpg?.mpg_band === "CRITICAL") {
      alerts.push({
        text: `MPG ${mpg.mpg_band}`,
        level: mpg.mpg_band === "CRITICAL" ? "critical" : "warning",
        why: `${signedPct(mpg.mpg_deviation_pct)} against the baseline`,
      });
    }
    if (mpg?.failed) alerts.push({ text: "MPG ?", level: "info", why: mpg.mpg_reason });
    for (const kind of ["THEFT_SUSPECTED", "SIPHONING"]) {
      const found = (view.slow?.thefts ?? []).filter((e) => e.truck_id === truck.truck_id && e.kind === kind);
      if (found.length) {
        const gallons = found.reduce((sum, e) => sum + e.gallons, 0);
        const word = kind === "SIPHONING" ? "SIPHONING" : "THEFT?";
        alerts.push({
          text: found.length > 1 ? `${word} ×${found.length}` : word,
          level: "critical",
          why: `${num(gallons)} gal in the period`,
          href: `#/events`,
        });
      }
    }
    for (const item of view.slow?.maintenance ?? []) {
      if (item.truck_id !== truck.truck_id) continue;
      if (def && item.sensor === "def_level_pct") continue; // already said by the DEF alert
      alerts.push({
        text: `${item.component} ${item.status}`,
        level: COMPONENT_SEVERITY[item.status] ?? "info",
        why: item.reason,
      });
    }
    alerts.sort((a, b) => SEVERITY[b.level] - SEVERITY[a.level]);
    const alertScore = alerts.reduce((sum, a) => sum + SEVERITY[a.level], 0);
    return { ...truck, mpg, alerts, alertScore, loading: view.slow === null };
  });
}

function renderStrip(root, summary, period) {
  const by = summary.by_status;
  update(root.querySelector("#fleet-strip"), html`
    <div class="card"><span class="label">Trucks</span><span class="big" id="kpi-trucks">${summary.trucks}</span></div>
    ${["MOVING", "IDLE", "STOPPED", "OFFLINE"].map(
      (s) => html`<div class="card"><span class="label">${badge(s)}</span><span class="big">${by[s] ?? 0}</span></div>`,
    )}
    <div class="card"><span class="label">Fuel on hand</span><span class="big">${num(summary.fuel_on_hand_gal, 0)} gal</span>
      <span class="muted">${num(summary.fuel_on_hand_pct)} % of ${num(summary.fuel_capacity_gal, 0)} gal</span></div>
    <div class="card"><span class="label">Low fuel</span><span class="big">${summary.low_fuel.length}</span>
      <span class="muted">below ${num(summary.low_fuel_threshold_pct, 0)} %</span></div>
    <div class="card"><span class="label">Newest data</span><span class="big">${age(summary.newest_data_age_s)}</span>
      <span class="muted">ago</span></div>
    <div class="card"><span class="label">Fleet MPG</span><span class="big">${num(summary.kpis.mpg, 2)}</span>
      <span class="muted">${period.label}</span></div>`,
  );
}

function renderRows(root, view) {
  const column = COLUMNS.find((c) => c.key === view.sort.key) ?? COLUMNS[0];
  const dir = view.sort.dir;
  const matches = (row) =>
    !view.search ||
    [row.truck_id, row.make, row.model, row.carrier_id, row.status, ...row.alerts.map((a) => a.text)]
      .filter(Boolean)
      .some((text) => String(text).toLowerCase().includes(view.search));
  const shown = view.rows.filter(matches).sort((a, b) => {
    const va = column.value(a);
    const vb = column.value(b);
    if (va === null || va === undefined) return vb === null || vb === undefined ? 0 : 1; // missing last
    if (vb === null || vb === undefined) return -1;
    const order = column.type === "text" ? String(va).localeCompare(String(vb)) : va - vb;
    return order * dir || a.truck_id.localeCompare(b.truck_id);
  });
  for (const th of root.querySelectorAll("thead th")) {
    const sorted = th.dataset.key === column.key;
    th.setAttribute("aria-sort", sorted ? (dir > 0 ? "ascending" : "descending") : "none");
  }
  root.querySelector("#fleet-count").textContent =
    `${shown.length} of ${view.rows.length} trucks` + (view.slow ? "" : " · loading MPG…");
  const body = root.querySelector("tbody");
  update(
    body,
    shown.length
      ? html`${shown.map(rowHtml)}`
      : `<tr><td colspan="${COLUMNS.length}" class="muted">no truck matches</td></tr>`,
  );
}

function rowHtml(r) {
  const mpg = r.mpg;
  const id = encodeURIComponent(r.truck_id);
  const fuel = r.fuel_level_pct;
  const fuelLevel = fuel === null ? "" : fuel < 20 ? "low" : fuel < 40 ? "mid" : "ok";
  return html`<tr data-truck="${r.truck_id}">
    <td class="truck"><a href="#/truck/${id}">${r.truck_id}</a><span class="muted small">${[r.make, r.model].filter(Boolean).join(" ")}</span></td>
    <td class="status">${badge(r.status)}</td>
    <td class="fuel num" data-value="${fuel ?? ""}"><span class="meter ${fuelLevel}"><i style="width:${fuel ?? 0}%"></i></span>${num(fuel)}</td>
    <td class="age num" data-value="${r.data_age_s ?? ""}">${age(r.data_age_s)}</td>
    <td class="mpg num" title="${mpg?.mpg_reason ?? ""}">${r.loading ? "…" : num(mpg?.mpg, 2)}</td>
    <td class="baseline num">${num(r.baseline_mpg, 1)}</td>
    <td class="deviation num">${r.loading ? "…" : html`${signedPct(mpg?.mpg_deviation_pct)} ${mpg?.mpg_band ? badge(mpg.mpg_band) : ""}`}</td>
    <td class="alerts">${r.alerts.map((a) => html`<span class="chip ${a.level}" title="${a.why ?? ""}">${a.text}</span>`)}</td>
  </tr>`;
}
