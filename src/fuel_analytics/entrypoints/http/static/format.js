// Formatting and a tiny HTML template tag that escapes everything it interpolates.

class Safe {
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
}

/** Mark a string as already-escaped markup (only for markup this code built). */
export const raw = (text) => new Safe(String(text));

export function escapeHtml(text) {
  return String(text)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function render(value) {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof Safe) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(value);
}

/** html`<td>${text}</td>`: interpolated values are escaped unless made with raw() or html. */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new Safe(out);
}

const numberFormats = new Map();

/** A number with a fixed count of decimals and thousands separators ("1,234.5"); "—" for null. */
export function num(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  let format = numberFormats.get(digits);
  if (!format) {
    format = new Intl.NumberFormat("en-US", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    numberFormats.set(digits, format);
  }
  return format.format(value);
}

/** A signed percentage ("+1.0 %", "−12.5 %"). */
export function signedPct(value, digits = 1) {
  if (value === null || value === undefined) return "—";
  const sign = value > 0 ? "+" : value < 0 ? "−" : "";
  return `${sign}${num(Math.abs(value), digits)} %`;
}

/** Seconds as "45 s", "3 min 12 s", "2 h 05 min", "3 d 4 h". */
export function age(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  if (s < 86400) {
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
  }
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

const dateTime = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});
const timeOnly = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** An RFC 3339 timestamp in the browser's local time ("Nov 29, 12:11"). */
export function when(iso) {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

export function clock(date) {
  return timeOnly.format(date);
}

/** A status/band/severity word as a coloured badge. */
export function badge(word, title = "") {
  if (!word) return html`<span class="badge">—</span>`;
  return html`<span class="badge b-${String(word).toLowerCase()}" title="${title}">${word}</span>`;
}

/** A field or monitor key in words: "battery_voltage.engine_off" -> "battery voltage · engine off". */
export function humanize(key) {
  return String(key).replaceAll("_", " ").replaceAll(".", " · ");
}

/** Replace an element's markup only when it changed (no flicker, no lost hover or focus). */
const shownMarkup = new WeakMap();

export function update(element, markup) {
  const text = String(markup);
  if (shownMarkup.get(element) === text) return;
  element.innerHTML = text;
  shownMarkup.set(element, text);
}
