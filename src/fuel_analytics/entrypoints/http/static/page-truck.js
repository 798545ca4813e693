// One truck: live sensors, the period's fuel report, fuel level and component charts,
// component health, fuel events with evidence, fault codes and the daily fuel balance.

import { allByCursor, ApiError, cached, getJson, getText, mapLimit, parseCsv } from "./api.js";
import { timeChart } from "./charts.js";
import { eventHeader, eventRows, evidenceChart, kindColor } from "./events-view.js";
import { age, badge, html, humanize, num, signedPct, when } from "./format.js";

export const title = (id) => `Truck ${id}`;

const SLOW_MS = 60_000;
const DAY_MS = 86_400_000;
const LEVEL_DAYS_MAX = 7; // the fuel-level chart reads raw readings: a week at most

const SECTIONS = [
  ["truck-head", ""],
  ["truck-cards", "strip"],
  ["truck-level", ""],
  ["truck-fuel", "grid2"],
  ["truck-components", ""],
  ["truck-histories", "grid3"],
  ["truck-events", ""],
  ["truck-dtcs", ""],
  ["truck-daily", ""],
  ["truck-sensors", ""],
];

export function mount(root, ctx, truckId) {
  const view = { selected: null, events: [] };
  root.innerHTML = SECTIONS.map(([id, cls]) => `<section id="${id}" class="${cls}"></section>`).join("");
  root.addEventListener("click", (e) => {
    const row = e.target.closest("tr[data-event]");
    if (!row || e.target.closest("a")) return;
    view.selected = row.dataset.event;
    renderEvents(root, view);
  });
  const path = `/api/v2/trucks/${encodeURIComponent(truckId)}`;

  return {
    async refresh() {
      const period = ctx.period();
      const range = { from: period.from, to: period.to };
      const key = `${truckId}:${period.key}`;
      const truck = await cached(`truck:${truckId}`, SLOW_MS, () => getJson(path));
      const [sensors, fuel, components, dtcs, events, level] = await Promise.all([
        getJson(`${path}/sensors`).catch((error) => {
          if (error instanceof ApiError && error.status === 404) return null; // never reported
          throw error;
        }),
        getJson(`${path}/fuel`, range),
        cached(`components:${truckId}`, SLOW_MS, () => getJson(`${path}/components`)),
        cached(`dtcs:${key}`, SLOW_MS, () => getJson(`${path}/dtcs`, range)),
        allByCursor(`${path}/fuel-events`, range),
        cached(`level:${key}`, SLOW_MS, () => fuelLevel(truckId, period)),
      ]);
      const histories = await cached(`histories:${key}`, SLOW_MS, () =>
        loadHistories(path, components.components, period),
      );
      view.events = events.reverse();
      if (!view.events.some((e) => e.event_id === view.selected)) view.selected = view.events[0]?.event_id ?? null;
      renderHead(root, truck, sensors);
      renderCards(root, truck, sensors, fuel);
      renderLevel(root, level, view.events);
      renderFuel(root, fuel, period);
      renderComponents(root, components);
      renderHistories(root, histories);
      renderEvents(root, view);
      renderDtcs(root, dtcs);
      renderDaily(root, fuel);
      renderSensors(root, sensors);
    },
  };
}

async function fuelLevel(truckId, period) {
  const from = new Date(Math.max(Date.parse(period.from), Date.parse(period.to) - LEVEL_DAYS_MAX * DAY_MS));
  const text = await getText("/api/v2/export/readings.csv", {
    truck_id: truckId,
    columns: "ts,fuel_level_pct,speed_mph",
    from: from.toISOString(),
    to: period.to,
  });
  const rows = parseCsv(text).map((r) => ({
    t: Date.parse(r.ts),
    level: r.fuel_level_pct === "" ? null : Number(r.fuel_level_pct),
    speed: r.speed_mph === "" ? null : Number(r.speed_mph),
  }));
  return { from: from.getTime(), to: Date.parse(period.to), rows };
}

async function loadHistories(path, components, period) {
  const raw = period.ms <= DAY_MS;
  const resolution = raw ? "raw" : "hour";
  return mapLimit(components, 3, (c) =>
    getJson(`${path}/components/${encodeURIComponent(c.monitor_key)}/history`, {
      from: period.from,
      to: period.to,
      resolution,
      limit: raw ? 5000 : 1000,
    }).then(
      (history) => ({ component: c, history }),
      (error) => ({ component: c, error: error.message }),
    ),
  );
}

function sensorMap(sensors) {
  return new Map((sensors?.sensors ?? []).map((s) => [s.name, s]));
}

function renderHead(root, truck, sensors) {
  const name = [truck.year, truck.make, truck.model].filter(Boolean).join(" ");
  root.querySelector("#truck-head").innerHTML = String(html`
    <h1><span id="truck-id">${truck.truck_id}</span>
      <span id="truck-status" data-value="${sensors?.status ?? "OFFLINE"}">${badge(sensors?.status ?? "OFFLINE")}</span>
      <span class="muted small">${name}${truck.vin ? ` · VIN ${truck.vin}` : ""}${truck.carrier_id ? ` · ${truck.carrier_id}` : ""}</span>
      <a class="small" href="#/fleet">← fleet</a></h1>
    ${sensors ? "" : html`<div class="notice">This truck has not reported any reading yet.</div>`}`);
}

function card(id, label, value, raw, note = "") {
  return html`<div class="card" id="${id}" data-value="${raw ?? ""}"><span class="label">${label}</span><span class="big">${value}</span><span class="muted">${note}</span></div>`;
}

function renderCards(root, truck, sensors, fuel) {
  const s = sensorMap(sensors);
  const v = (name) => s.get(name)?.value ?? null;
  const f = fuel.summary;
  const def = fuel.def_status;
  const where = sensors?.location
    ? `${num(sensors.location.lat, 4)}, ${num(sensors.location.lon, 4)}`
    : "—";
  const level = sensors?.fuel.level_pct ?? null;
  root.querySelector("#truck-cards").innerHTML = String(html`
    ${card("truck-fuel-pct", "Fuel level", `${num(level)} %`, level, `${num(sensors?.fuel.gallons ?? null)} of ${num(truck.tank_capacity_gal, 0)} gal`)}
    ${card("truck-odometer", "Odometer", `${num(v("odometer_mi"))} mi`, v("odometer_mi"))}
    ${card("truck-speed", "Speed", `${num(v("speed_mph"))} mph`, v("speed_mph"), `${num(v("rpm"), 0)} rpm`)}
    ${card("truck-engine-hours", "Engine hours", `${num(v("engine_hours"))} h`, v("engine_hours"))}
    ${card("truck-def", "DEF level", `${num(v("def_level_pct"))} %`, v("def_level_pct"), def.band ?? "")}
    ${card("truck-mpg", "MPG", num(f.mpg, 2), f.mpg, f.mpg_reason ?? `${signedPct(f.mpg_deviation_pct)} vs ${num(f.baseline_mpg, 1)} baseline`)}
    ${card("truck-data-age", "Last reading", sensors ? age(sensors.data_age_s) : "never", sensors?.data_age_s, sensors ? `ago · ${when(sensors.ts)}` : "")}
    ${card("truck-location", "Location", where, null, sensors?.location ? when(sensors.location.ts) : "")}`);
}

function renderLevel(root, level, events) {
  const spans = events
    .filter((e) => Date.parse(e.end) >= level.from)
    .map((e) => ({ from: Date.parse(e.start), to: Date.parse(e.end), label: `${e.kind} ${num(e.gallons)} gal`, color: kindColor(e.kind) }));
  const days = Math.round((level.to - level.from) / DAY_MS);
  root.querySelector("#truck-level").innerHTML = String(timeChart({
    id: "chart-fuel-level",
    title: `Fuel level and speed, last ${days >= 1 ? `${days} d` : `${Math.round((level.to - level.from) / 3_600_000)} h`} (shaded: fuel events)`,
    unit: "fuel %",
    unitRight: "mph",
    height: 260,
    width: 1280,
    yMin: 0,
    yMax: 100,
    xFrom: level.from,
    xTo: level.to,
    spans,
    series: [
      { label: "fuel %", color: "#2563eb", points: level.rows.map((r) => [r.t, r.level]), gapMs: 30 * 60_000 },
      { label: "speed mph", color: "#f59e0b", opacity: 0.55, strokeWidth: 1, points: level.rows.map((r) => [r.t, r.speed]), axis: "right", gapMs: 30 * 60_000 },
    ],
  }));
}

function renderFuel(root, fuel, period) {
  const f = fuel.summary;
  const d = fuel.def_status;
  const drops = Object.entries(f.drops_by_kind).filter(([, n]) => n > 0);
  root.querySelector("#truck-fuel").innerHTML = String(html`
    <div class="panel"><h2>Fuel, ${period.label}</h2><dl class="facts" id="truck-fuel-facts">
      <dt>Distance</dt><dd>${num(f.distance_mi)} mi <span class="muted small">${f.distance_source}${f.distance_reason ? ` · ${f.distance_reason}` : ""}</span></dd>
      <dt>Fuel used</dt><dd>${num(f.fuel_used_gal)} gal <span class="muted small">${f.fuel_source_note}</span></dd>
      <dt>MPG</dt><dd>${num(f.mpg, 2)} vs baseline ${num(f.baseline_mpg, 1)} · ${signedPct(f.mpg_deviation_pct)} ${f.mpg_band ? badge(f.mpg_band) : ""} ${f.mpg_suspect ? badge("SUSPECT") : ""} <span class="muted small">${f.mpg_reason ?? ""}</span></dd>
      <dt>Idle</dt><dd>${num(f.idle_hours)} h of ${num(f.engine_on_hours)} h engine-on (${num(f.idle_pct)} %) · ${num(f.idle_fuel_gal)} gal · $${num(f.idle_cost, 2)}</dd>
      <dt>Refuels</dt><dd>${f.refuel_count} · ${num(f.refuel_gal)} gal</dd>
      <dt>Drops</dt><dd>${drops.length ? drops.map(([k, n]) => html`${badge(k)} ×${n} `) : "none"} ${f.theft_gal ? html`· theft ${num(f.theft_gal)} gal` : ""} ${f.siphon_gal ? html`· siphoned ${num(f.siphon_gal)} gal` : ""}</dd>
      <dt>Unexplained</dt><dd>${num(f.unexplained_gal)} gal</dd>
      <dt>Cost</dt><dd>$${num(f.fuel_cost, 2)} at $${num(f.price_per_gal, 2)}/gal · ${f.cost_per_mile === null ? f.cost_reason : `$${num(f.cost_per_mile, 3)}/mi`}</dd>
      <dt>Data quality</dt><dd>${f.data_quality_issues} issue(s)</dd>
    </dl></div>
    <div class="panel"><h2>DEF</h2><dl class="facts">
      <dt>Level</dt><dd>${num(d.level_pct)} % · ${num(d.gallons, 2)} of ${num(d.tank_gal, 0)} gal ${badge(d.band)} <span class="muted small">${d.reason ?? ""}</span></dd>
      <dt>Use</dt><dd>${num(d.pct_per_mile, 4)} %/mi · ${num(d.pct_per_engine_hour, 2)} %/engine-hour <span class="muted small">${d.consumption_reason ?? ""}</span></dd>
      <dt>To warning (10 %)</dt><dd>${num(d.miles_to_warning, 0)} mi · ${num(d.days_to_warning, 1)} days</dd>
      <dt>To empty</dt><dd>${num(d.miles_to_empty, 0)} mi · ${num(d.days_to_empty, 1)} days <span class="muted small">${d.prediction_reason ?? ""}</span></dd>
    </dl></div>`);
}

function renderComponents(root, components) {
  root.querySelector("#truck-components").innerHTML = String(html`<h2>Component health</h2>
    <div class="table-wrap"><table class="data" id="components-table">
      <thead><tr><th>Component</th><th>Status</th><th class="num">Latest</th><th class="num">Daily level</th>
        <th class="num">Warn / crit</th><th class="num">Trend per day</th><th class="num">Days to warn</th><th class="num">Days to crit</th><th>SPC</th><th>Reason</th></tr></thead>
      <tbody>${components.components.map(
        (c) => html`<tr data-monitor="${c.monitor_key}">
          <td>${c.component} <span class="muted small">${humanize(c.monitor_key)}</span></td>
          <td>${badge(c.status)}</td>
          <td class="num">${c.latest_value === null ? "—" : `${num(c.latest_value, 2)} ${c.unit}`}</td>
          <td class="num">${num(c.level, 2)}</td>
          <td class="num">${num(c.warning, 1)} / ${num(c.critical, 1)} <span class="muted small">${c.bad_side ?? ""}</span></td>
          <td class="num">${c.trend ? html`${num(c.trend.slope_per_day, 3)} <span class="muted small">R² ${num(c.trend.r2, 2)}</span>` : "—"}</td>
          <td class="num">${num(c.days_to_warning, 1)}</td>
          <td class="num">${num(c.days_to_critical, 1)}</td>
          <td>${c.spc?.fired?.length ? c.spc.fired.map((r) => html`<span class="chip warning">${r}</span>`) : html`<span class="muted small">—</span>`}</td>
          <td class="reason">${c.reason}</td></tr>`,
      )}</tbody></table></div>`);
}

function renderHistories(root, histories) {
  root.querySelector("#truck-histories").innerHTML = String(html`${histories.map(({ component, history, error }) => {
    const title = `${component.component}: ${humanize(component.monitor_key)}`;
    if (error) return html`<div class="notice">${title}: ${error}</div>`;
    const raw = history.resolution === "raw";
    const points = history.items.map((b) => [Date.parse(b.start), b.mean]);
    return timeChart({
      id: `chart-${component.monitor_key.replaceAll(".", "-")}`,
      title: `${title} (${raw ? "readings" : "hourly mean, min–max"})`,
      unit: history.unit,
      height: 170,
      xFrom: Date.parse(history.period.from),
      xTo: Date.parse(history.period.to),
      series: [
        {
          label: raw ? "reading" : "mean",
          points,
          band: raw ? [] : history.items.map((b) => [Date.parse(b.start), b.min, b.max]),
          color: "#2563eb",
          gapMs: raw ? 30 * 60_000 : 3 * 3_600_000,
        },
      ],
      thresholds: [
        { value: history.warn, label: `warn ${num(history.warn, 1)}`, color: "#d97706" },
        { value: history.crit, label: `crit ${num(history.crit, 1)}`, color: "#dc2626" },
      ],
    });
  })}`);
}

function renderEvents(root, view) {
  const event = view.events.find((e) => e.event_id === view.selected);
  root.querySelector("#truck-events").innerHTML = String(html`<h2>Fuel events (${view.events.length})</h2>
    ${view.events.length ? html`<div class="panel">${evidenceChart(event, "truck-evidence")}</div>` : ""}
    <div class="table-wrap"><table class="data" id="truck-events-table"><thead>${eventHeader({ showTruck: false })}</thead>
      <tbody>${eventRows(view.events, view.selected, { showTruck: false })}</tbody></table></div>`);
}

function renderDtcs(root, dtcs) {
  root.querySelector("#truck-dtcs").innerHTML = String(html`<h2>Fault codes</h2>
    <div class="table-wrap"><table class="data" id="dtcs-table">
      <thead><tr><th>Code</th><th>SPN</th><th>FMI</th><th>State</th><th class="num">First seen</th><th class="num">Last seen</th><th class="num">Occurrences</th></tr></thead>
      <tbody>${dtcs.items.length
        ? dtcs.items.map(
            (d) => html`<tr><td>${d.code}</td><td>${d.spn} <span class="muted small">${d.spn_description ?? ""}</span></td>
              <td>${d.fmi} <span class="muted small">${d.fmi_description}</span></td>
              <td>${d.active ? badge("ACTIVE") : html`cleared ${when(d.cleared_at)}`}</td>
              <td class="num">${when(d.first_seen)}</td><td class="num">${when(d.last_seen)}</td><td class="num">${d.occurrences}</td></tr>`,
          )
        : html`<tr><td colspan="7" class="muted">no fault code in this period</td></tr>`}</tbody></table></div>`);
}

function renderDaily(root, fuel) {
  root.querySelector("#truck-daily").innerHTML = String(html`<h2>Daily fuel balance</h2>
    <div class="table-wrap"><table class="data" id="daily-table">
      <thead><tr><th>Day</th><th class="num">Readings</th><th class="num">Distance mi</th><th class="num">Fuel gal</th>
        <th class="num">Start %</th><th class="num">Refuels gal</th><th class="num">Drops gal</th><th class="num">End %</th>
        <th class="num">Idle h</th><th class="num">Unexplained gal</th></tr></thead>
      <tbody>${[...fuel.daily].reverse().map(
        (d) => html`<tr><td>${d.day}</td><td class="num">${d.readings}</td><td class="num">${num(d.distance_mi)}</td>
          <td class="num">${num(d.fuel_used_gal)}</td><td class="num">${num(d.start_level_pct)}</td><td class="num">${num(d.refuel_gal)}</td>
          <td class="num">${num(d.drop_gal)}</td><td class="num">${num(d.end_level_pct)}</td><td class="num">${num(d.idle_hours, 2)}</td>
          <td class="num">${num(d.unexplained_gal)}</td></tr>`,
      )}</tbody></table></div>`);
}

function renderSensors(root, sensors) {
  if (!sensors) {
    root.querySelector("#truck-sensors").innerHTML = "";
    return;
  }
  const shown = (value) => (Array.isArray(value) ? value.join(", ") || "none" : typeof value === "number" ? String(value) : String(value));
  root.querySelector("#truck-sensors").innerHTML = String(html`<h2>Sensors now</h2>
    <div class="table-wrap"><table class="data" id="sensors-table">
      <thead><tr><th>Sensor</th><th class="num">Value</th><th>Unit</th><th class="num">Age</th></tr></thead>
      <tbody>${sensors.sensors.map(
        (s) => html`<tr data-sensor="${s.name}"><td>${humanize(s.name)}</td><td class="num">${shown(s.value)}</td><td>${s.unit ?? ""}</td><td class="num">${age(s.age_s)}</td></tr>`,
      )}</tbody></table></div>`);
}
