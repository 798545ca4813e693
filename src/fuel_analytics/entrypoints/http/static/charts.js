// Small hand-written SVG charts: time series (lines, dots, min–max bands, two axes,
// threshold lines, shaded spans) and horizontal bars. They return markup; no dependencies.

import { escapeHtml, html, num, raw } from "./format.js";

const WIDTH = 640; // the default viewBox width: charts scale to their box, text with them
const MARGIN = { left: 52, right: 52, top: 10, bottom: 24 };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY,
];

export const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2"];

/** Round ticks ("nice numbers") covering [min, max]. */
export function niceTicks(min, max, count = 5) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    if (min !== 0) min -= pad; // a flat zero line sits on the axis: [0, 1]
    max += pad;
  }
  const rough = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough);
  const ticks = [];
  for (let v = Math.floor(min / step) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Number(v.toFixed(10)));
  }
  if (ticks.at(-1) < max) ticks.push(ticks.at(-1) + step);
  return ticks;
}

function timeTicks(t0, t1, maxTicks = 7) {
  const step = TIME_STEPS.find((s) => (t1 - t0) / s <= maxTicks) ?? 14 * DAY;
  const offset = new Date(t0).getTimezoneOffset() * MINUTE; // align to local midnight/hours
  const first = Math.ceil((t0 - offset) / step) * step + offset;
  const ticks = [];
  for (let t = first; t <= t1; t += step) ticks.push(t);
  return { ticks, step };
}

function timeLabel(t, step) {
  const d = new Date(t);
  const hm = `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  const day = d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  if (step >= DAY) return day;
  if (step < MINUTE * 2) return `${hm}:${String(d.getSeconds()).padStart(2, "0")}`;
  return d.getHours() === 0 && d.getMinutes() === 0 ? day : hm;
}

function tickText(v, span) {
  const digits = span < 0.1 ? 3 : span < 1 ? 2 : span < 10 ? 1 : 0;
  return num(v, digits);
}

function extent(values, extra = []) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of [...values, ...extra]) {
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

function pathOf(points, x, y, gapMs) {
  let d = "";
  let previous = null;
  for (const [t, v] of points) {
    if (v === null || v === undefined || !Number.isFinite(v)) {
      previous = null;
      continue;
    }
    const broken = previous === null || (gapMs && t - previous > gapMs);
    d += `${broken ? "M" : "L"}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
    previous = t;
  }
  return d;
}

/** Polygons (point lists) of a min–max band, split where the data has a gap. */
function bandsOf(band, x, y, gapMs) {
  const pieces = [];
  let piece = [];
  for (const point of band) {
    if (piece.length && gapMs && point[0] - piece.at(-1)[0] > gapMs) {
      pieces.push(piece);
      piece = [];
    }
    piece.push(point);
  }
  if (piece.length) pieces.push(piece);
  return pieces.map((p) => {
    const top = p.map(([t, , hi]) => `${x(t).toFixed(1)},${y(hi).toFixed(1)}`);
    const bottom = p.map(([t, lo]) => `${x(t).toFixed(1)},${y(lo).toFixed(1)}`).reverse();
    return [...top, ...bottom].join(" ");
  });
}

/**
 * A time-series chart.
 * series: [{label, color, points: [[ms, value|null]], style: "line"|"dots"|"linedots",
 *           band: [[ms, lo, hi]], axis: "left"|"right", dash, gapMs}]
 * thresholds: [{value, label, color}] on the left axis; spans: [{from, to, label, color}] (ms).
 */
export function timeChart({
  title = "",
  series = [],
  thresholds = [],
  spans = [],
  unit = "",
  unitRight = "",
  height = 200,
  yMin = null,
  yMax = null,
  xFrom = null,
  xTo = null,
  empty = "no data in this period",
  id = "",
  width = WIDTH,
}) {
  const times = series.flatMap((s) => [
    ...(s.points ?? []).map((p) => p[0]),
    ...(s.band ?? []).map((b) => b[0]),
  ]);
  const hasData = series.some(
    (s) => (s.points ?? []).some((p) => Number.isFinite(p[1])) || (s.band ?? []).length > 0,
  );
  const head = html`<figcaption><span class="chart-title">${title}</span>${legend(series)}</figcaption>`;
  if (!hasData) {
    return html`<figure class="chart" id="${id}">${head}<div class="chart-empty">${empty}</div></figure>`;
  }
  const t0 = xFrom ?? Math.min(...times);
  const t1 = Math.max(xTo ?? Math.max(...times), t0 + MINUTE);
  const left = series.filter((s) => s.axis !== "right");
  const right = series.filter((s) => s.axis === "right");
  const valuesOf = (list) =>
    list.flatMap((s) => [
      ...(s.points ?? []).map((p) => p[1]),
      ...(s.band ?? []).flatMap((b) => [b[1], b[2]]),
    ]);
  const leftExtent = extent(valuesOf(left), [...thresholds.map((t) => t.value), yMin, yMax]) ?? [0, 1];
  const yTicks = niceTicks(yMin ?? leftExtent[0], yMax ?? leftExtent[1]);
  const rightExtent = right.length ? extent(valuesOf(right), [0]) : null;
  const y2Ticks = rightExtent ? niceTicks(rightExtent[0], Math.max(rightExtent[1], rightExtent[0] + 1)) : null;

  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const x = (t) => MARGIN.left + ((t - t0) / (t1 - t0)) * plotW;
  const scale = (ticks) => {
    const lo = ticks[0];
    const hi = ticks.at(-1);
    return (v) => MARGIN.top + plotH - ((v - lo) / (hi - lo || 1)) * plotH;
  };
  const y = scale(yTicks);
  const y2 = y2Ticks ? scale(y2Ticks) : y;
  const { ticks: xTicks, step } = timeTicks(t0, t1);
  const ySpan = yTicks.at(-1) - yTicks[0];

  let svg = "";
  for (const span of spans) {
    const a = Math.max(x(span.from), MARGIN.left);
    const b = Math.min(x(span.to), MARGIN.left + plotW);
    if (b < MARGIN.left || a > MARGIN.left + plotW) continue;
    svg += `<rect class="span" x="${a.toFixed(1)}" y="${MARGIN.top}" width="${Math.max(2, b - a).toFixed(1)}" height="${plotH}" fill="${span.color ?? "#f59e0b"}"><title>${escapeHtml(span.label ?? "")}</title></rect>`;
  }
  for (const v of yTicks) {
    svg += `<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`;
    svg += `<text class="tick" x="${MARGIN.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${tickText(v, ySpan)}</text>`;
  }
  if (y2Ticks) {
    const span2 = y2Ticks.at(-1) - y2Ticks[0];
    for (const v of y2Ticks) {
      svg += `<text class="tick" x="${MARGIN.left + plotW + 6}" y="${(y2(v) + 4).toFixed(1)}">${tickText(v, span2)}</text>`;
    }
  }
  for (const t of xTicks) {
    svg += `<line class="grid" x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}"/>`;
    svg += `<text class="tick" x="${x(t).toFixed(1)}" y="${height - 6}" text-anchor="middle">${escapeHtml(timeLabel(t, step))}</text>`;
  }
  if (unit) svg += `<text class="unit" x="4" y="${MARGIN.top + 8}">${escapeHtml(unit)}</text>`;
  if (unitRight) {
    svg += `<text class="unit" x="${width - 4}" y="${MARGIN.top + 8}" text-anchor="end">${escapeHtml(unitRight)}</text>`;
  }
  for (const th of thresholds) {
    const ty = y(th.value).toFixed(1);
    svg += `<line class="threshold" x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${ty}" y2="${ty}" stroke="${th.color ?? "#dc2626"}"/>`;
    svg += `<text class="tick" x="${MARGIN.left + plotW - 4}" y="${(Number(ty) - 3).toFixed(1)}" text-anchor="end" fill="${th.color ?? "#dc2626"}">${escapeHtml(th.label ?? "")}</text>`;
  }
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const ys = s.axis === "right" ? y2 : y;
    if (s.band?.length) {
      for (const points of bandsOf(s.band, x, ys, s.gapMs)) {
        svg += `<polygon class="band" points="${points}" fill="${color}"/>`;
      }
    }
    const points = s.points ?? [];
    if (points.length && s.style !== "dots") {
      const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
      const opacity = s.opacity ? ` stroke-opacity="${s.opacity}"` : "";
      const stroke = s.strokeWidth ? ` style="stroke-width:${s.strokeWidth}"` : "";
      svg += `<path class="line" d="${pathOf(points, x, ys, s.gapMs)}" stroke="${color}"${dash}${opacity}${stroke}/>`;
    }
    if (s.style === "dots" || s.style === "linedots") {
      for (const [t, v] of points) {
        if (!Number.isFinite(v)) continue;
        const label = `${s.label}: ${num(v, 1)} at ${new Date(t).toLocaleString()}`;
        svg += `<circle cx="${x(t).toFixed(1)}" cy="${ys(v).toFixed(1)}" r="2.6" fill="${color}"><title>${escapeHtml(label)}</title></circle>`;
      }
    }
  });
  svg += `<rect class="frame" x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}"/>`;
  return html`<figure class="chart" id="${id}">${head}<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}">${raw(svg)}</svg></figure>`;
}

function legend(series) {
  const named = series.filter((s) => s.label);
  if (named.length < 2) return "";
  return html`<span class="legend">${named.map(
    (s, i) => html`<span class="key"><i style="background:${s.color ?? PALETTE[i % PALETTE.length]}"></i>${s.label}</span>`,
  )}</span>`;
}

/** Horizontal bars: [{label, value, color, text}]; signed values grow from a centre line. */
export function barChart(items, { title = "", id = "", signed = false, href = null } = {}) {
  if (!items.length) {
    return html`<figure class="chart" id="${id}"><figcaption><span class="chart-title">${title}</span></figcaption><div class="chart-empty">nothing to show</div></figure>`;
  }
  const rowH = 22;
  const labelW = 110;
  const textW = 150;
  const plotW = WIDTH - labelW - textW;
  const peak = Math.max(...items.map((it) => Math.abs(it.value ?? 0)), 1e-9);
  const zero = signed ? labelW + plotW / 2 : labelW;
  const scale = (signed ? plotW / 2 : plotW) / peak;
  let svg = "";
  items.forEach((item, i) => {
    const top = i * rowH + 4;
    const v = item.value ?? 0;
    const w = Math.abs(v) * scale;
    const xStart = v < 0 ? zero - w : zero;
    const label = escapeHtml(item.label);
    const text = escapeHtml(item.text ?? num(v, 1));
    const name = href ? `<a href="${escapeHtml(href(item))}">${label}</a>` : label;
    svg += `<text class="tick" x="${labelW - 8}" y="${top + 14}" text-anchor="end">${name}</text>`;
    svg += `<rect x="${xStart.toFixed(1)}" y="${top + 3}" width="${Math.max(1, w).toFixed(1)}" height="${rowH - 8}" fill="${item.color ?? PALETTE[0]}" rx="2"><title>${label}: ${text}</title></rect>`;
    svg += `<text class="tick" x="${WIDTH - textW + 8}" y="${top + 14}">${text}</text>`;
  });
  if (signed) {
    svg += `<line class="axis" x1="${zero}" x2="${zero}" y1="0" y2="${items.length * rowH + 6}"/>`;
  }
  const height = items.length * rowH + 8;
  return html`<figure class="chart" id="${id}"><figcaption><span class="chart-title">${title}</span></figcaption><svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${title}">${raw(svg)}</svg></figure>`;
}
