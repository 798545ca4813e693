// Fleet KPIs for the chosen period (GET /api/v2/fleet/summary), the fleet now, and the
// maintenance outlook (GET /api/v2/fleet/maintenance).

import { cached, getJson } from "./api.js";
import { barChart } from "./charts.js";
import { age, badge, html, num, signedPct, when } from "./format.js";

export const title = () => "Fleet KPIs";

const BAND_COLOR = { GOOD: "#16a34a", NORMAL: "#65a30d", WARNING: "#d97706", CRITICAL: "#dc2626" };
const STATUS_COLOR = { MOVING: "#16a34a", IDLE: "#d97706", STOPPED: "#2563eb", OFFLINE: "#9ca3af" };

function card(id, label, value, note = "") {
  return html`<div class="card" id="${id}"><span class="label">${label}</span><span class="big">${value}</span><span class="muted">${note}</span></div>`;
}

export function mount(root, ctx) {
  root.innerHTML = `<h1>Fleet KPIs <span class="muted small" id="kpi-period"></span></h1>
    <section class="strip" id="kpi-cards"></section>
    <div class="grid2" id="kpi-charts"></div>
    <h2>Maintenance outlook</h2><div id="kpi-maintenance"></div>`;
  return {
    async refresh() {
      const period = ctx.period();
      const [summary, maintenance] = await Promise.all([
        getJson("/api/v2/fleet/summary", { from: period.from, to: period.to }),
        cached("fleet-maintenance", 60_000, () => getJson("/api/v2/fleet/maintenance", { limit: 5000 })),
      ]);
      render(root, summary, maintenance);
    },
  };
}

function render(root, s, maintenance) {
  const k = s.kpis;
  root.querySelector("#kpi-period").textContent = `${when(s.period.from)} → ${when(s.period.to)}`;
  root.querySelector("#kpi-cards").innerHTML = String(html`
    ${card("kpi-distance", "Distance", `${num(k.distance_mi, 0)} mi`, `${k.trucks_with_data} trucks with data`)}
    ${card("kpi-fuel", "Fuel used", `${num(k.fuel_used_gal, 0)} gal`)}
    ${card("kpi-mpg", "Fleet MPG", num(k.mpg, 2), k.mpg_reason ?? "distance / fuel while moving")}
    ${card("kpi-idle", "Idle", `${num(k.idle_hours, 1)} h`, `${num(k.idle_pct, 1)} % of engine time · ${num(k.idle_fuel_gal, 1)} gal`)}
    ${card("kpi-refuels", "Refuels", k.refuel_count, `${num(k.refuel_gal, 0)} gal`)}
    ${card("kpi-theft", "Suspected theft", k.theft_suspected_count, `${num(k.theft_gal, 1)} gal`)}
    ${card("kpi-unexplained", "Unexplained", `${num(k.unexplained_gal, 1)} gal`, "daily balance, summed")}
    ${card("kpi-cost", "Fuel cost", `$${num(k.fuel_cost, 0)}`)}
    ${card("kpi-cpm", "Cost per mile", k.cost_per_mile === null ? "—" : `$${num(k.cost_per_mile, 3)}`, k.cost_reason ?? "")}
    ${card("kpi-onhand", "Fuel on hand", `${num(s.fuel_on_hand_gal, 0)} gal`, `${num(s.fuel_on_hand_pct, 1)} % of capacity`)}
    ${card("kpi-newest", "Newest data", age(s.newest_data_age_s), `${s.trucks} trucks`)}`);

  const rated = new Map();
  for (const t of [...k.worst_mpg, ...k.best_mpg]) rated.set(t.truck_id, t);
  const mpgBars = [...rated.values()]
    .sort((a, b) => a.mpg_deviation_pct - b.mpg_deviation_pct)
    .map((t) => ({
      label: t.truck_id,
      value: t.mpg_deviation_pct,
      color: BAND_COLOR[t.mpg_band] ?? "#64748b",
      text: `${signedPct(t.mpg_deviation_pct)} (${num(t.mpg, 2)} mpg)`,
    }));
  const statusBars = Object.entries(s.by_status).map(([status, n]) => ({
    label: status,
    value: n,
    color: STATUS_COLOR[status],
    text: String(n),
  }));
  const brief = (list, empty) =>
    list.length
      ? html`<table class="data"><tbody>${list.map(
          (t) => html`<tr><td class="truck"><a href="#/truck/${encodeURIComponent(t.truck_id)}">${t.truck_id}</a></td>
            <td>${badge(t.status)}</td><td class="num">${num(t.fuel_level_pct)} %</td><td class="num">${age(t.data_age_s)}</td></tr>`,
        )}</tbody></table>`
      : html`<p class="muted">${empty}</p>`;
  root.querySelector("#kpi-charts").innerHTML = String(html`
    ${barChart(statusBars, { title: "Trucks by status now", id: "chart-status" })}
    ${barChart(mpgBars, { title: "MPG against baseline: the worst and the best", id: "chart-mpg", signed: true, href: (it) => `#/truck/${encodeURIComponent(it.label)}` })}
    <div class="panel"><h2>Low fuel (below ${num(s.low_fuel_threshold_pct, 0)} %)</h2>${brief(s.low_fuel, "no truck is low on fuel")}</div>
    <div class="panel"><h2>Offline</h2>${brief(s.offline, "every truck reports")}
      ${s.never_reported.length ? html`<p class="muted">Never reported: ${s.never_reported.join(", ")}</p>` : ""}</div>
    <div class="panel"><h2>DEF alerts</h2>${
      k.def_alerts.length
        ? html`<table class="data"><tbody>${k.def_alerts.map(
            (a) => html`<tr><td class="truck"><a href="#/truck/${encodeURIComponent(a.truck_id)}">${a.truck_id}</a></td>
              <td class="num">${num(a.level_pct)} %</td><td>${badge(a.band)}</td></tr>`,
          )}</tbody></table>`
        : html`<p class="muted">no DEF alert</p>`
    }</div>`);

  const urgent = maintenance.items.slice(0, 12);
  root.querySelector("#kpi-maintenance").innerHTML = String(html`
    ${maintenance.systemic.length
      ? html`<div class="panel"><strong>Systemic issues</strong> (≥ 3 trucks HIGH or CRITICAL on one component):
          ${maintenance.systemic.map((i) => html` ${badge(i.worst)} ${i.component} on ${i.truck_count} trucks (${i.trucks.join(", ")});`)}</div>`
      : ""}
    <div class="table-wrap"><table class="data" id="maintenance-table">
      <thead><tr><th>Truck</th><th>Component</th><th>Status</th><th class="num">Latest</th><th class="num">Days to warning</th><th class="num">Days to critical</th><th>Reason</th></tr></thead>
      <tbody>${urgent.length
        ? urgent.map(
            (c) => html`<tr><td class="truck"><a href="#/truck/${encodeURIComponent(c.truck_id)}">${c.truck_id}</a></td>
              <td>${c.component} <span class="muted small">${c.monitor_key}</span></td><td>${badge(c.status)}</td>
              <td class="num">${num(c.latest_value, 1)} ${c.unit}</td><td class="num">${num(c.days_to_warning, 1)}</td>
              <td class="num">${num(c.days_to_critical, 1)}</td><td class="reason">${c.reason}</td></tr>`,
          )
        : html`<tr><td colspan="7" class="muted">every monitored component is OK</td></tr>`}</tbody>
    </table></div>`);
}
