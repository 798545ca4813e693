// The Prometheus text exposition format, histogram quantiles from bucket deltas, and a
// client-side sampler that keeps the last minutes of the service's own /metrics.

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function number(text) {
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const value = Number(text);
  if (text === "" || Number.isNaN(value)) throw new Error(`not a number: ${text}`);
  return value;
}

function parseLabels(line, start) {
  const labels = {};
  let i = start + 1; // after "{"
  for (;;) {
    while (line[i] === " " || line[i] === ",") i++;
    if (line[i] === "}") return { labels, end: i + 1 };
    const name = LABEL.exec(line.slice(i));
    if (!name) throw new Error(`bad label name at ${i}`);
    i += name[0].length;
    while (line[i] === " ") i++;
    if (line[i] !== "=" || line[i + 1] !== '"') throw new Error(`expected ="… at ${i}`);
    i += 2;
    let value = "";
    for (;;) {
      const c = line[i];
      if (c === undefined) throw new Error("unterminated label value");
      if (c === "\\") {
        const e = line[i + 1];
        value += e === "n" ? "\n" : e; // \\ \" \n
        i += 2;
      } else if (c === '"') {
        i += 1;
        break;
      } else {
        value += c;
        i += 1;
      }
    }
    labels[name[0]] = value;
  }
}

/** One sample line: {name, labels, value}. Throws on a malformed line. */
export function parseSample(line) {
  const name = NAME.exec(line);
  if (!name) throw new Error("bad metric name");
  let i = name[0].length;
  let labels = {};
  if (line[i] === "{") ({ labels, end: i } = parseLabels(line, i));
  const [value] = line.slice(i).trim().split(/\s+/); // an optional timestamp follows
  return { name: name[0], labels, value: number(value) };
}

/** A whole exposition: {samples, types: {family: "counter"|…}, errors: [lines not understood]}. */
export function parseMetrics(text) {
  const samples = [];
  const types = {};
  const errors = [];
  for (const rawLine of text.split("\n")) {
    const line = rawLine.trim();
    if (!line) continue;
    if (line.startsWith("#")) {
      const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (type) types[type[1]] = type[2];
      continue;
    }
    try {
      samples.push(parseSample(line));
    } catch (error) {
      errors.push(`${line} (${error.message})`);
    }
  }
  return { samples, types, errors };
}

/**
 * histogram_quantile as Prometheus computes it: buckets are cumulative [{le, count}] with a
 * +Inf bucket; linear interpolation inside the bucket that holds the rank; a rank in the +Inf
 * bucket answers the highest finite bound. null when there were no observations.
 */
export function histogramQuantile(q, buckets) {
  const sorted = buckets.map((b) => ({ le: b.le, count: b.count })).sort((a, b) => a.le - b.le);
  if (sorted.length < 2 || sorted.at(-1).le !== Infinity) return null;
  for (let i = 1; i < sorted.length; i++) {
    sorted[i].count = Math.max(sorted[i].count, sorted[i - 1].count); // monotonic, as Prometheus
  }
  const total = sorted.at(-1).count;
  if (!(total > 0)) return null;
  const rank = q * total;
  let i = sorted.findIndex((b) => b.count >= rank);
  if (i < 0) i = sorted.length - 1;
  if (i === sorted.length - 1) return sorted.at(-2).le;
  if (i === 0 && sorted[0].le <= 0) return sorted[0].le;
  const lower = i === 0 ? 0 : sorted[i - 1].le;
  const below = i === 0 ? 0 : sorted[i - 1].count;
  const inside = sorted[i].count - below;
  if (inside <= 0) return sorted[i].le;
  return lower + ((sorted[i].le - lower) * (rank - below)) / inside;
}

export const REQUESTS = "fuel_http_requests_total";
export const DURATION = "fuel_http_request_duration_seconds";
export const IN_FLIGHT = "fuel_http_requests_in_flight";
export const POOL = {
  size: "fuel_db_pool_size",
  checkedOut: "fuel_db_pool_checked_out",
  overflow: "fuel_db_pool_overflow",
};

function gauge(samples, name) {
  const found = samples.filter((s) => s.name === name);
  return found.length ? found.reduce((sum, s) => sum + s.value, 0) : null;
}

/** What one scrape says, reduced to what the panel shows. */
export function digest(parsed, at) {
  const routes = new Map(); // "GET /api/v2/trucks" -> {method, route, requests, status, buckets, sum, count}
  const routeOf = (labels) => {
    const key = `${labels.method ?? ""} ${labels.route ?? ""}`;
    let r = routes.get(key);
    if (!r) {
      r = { key, method: labels.method ?? "", route: labels.route ?? "", requests: 0, byClass: {}, buckets: new Map(), sum: 0, count: 0 };
      routes.set(key, r);
    }
    return r;
  };
  for (const s of parsed.samples) {
    if (s.name === REQUESTS) {
      const r = routeOf(s.labels);
      r.requests += s.value;
      const cls = `${String(s.labels.status ?? "?")[0]}xx`;
      r.byClass[cls] = (r.byClass[cls] ?? 0) + s.value;
    } else if (s.name === `${DURATION}_bucket`) {
      const r = routeOf(s.labels);
      const le = number(s.labels.le);
      r.buckets.set(le, (r.buckets.get(le) ?? 0) + s.value);
    } else if (s.name === `${DURATION}_sum`) {
      routeOf(s.labels).sum += s.value;
    } else if (s.name === `${DURATION}_count`) {
      routeOf(s.labels).count += s.value;
    }
  }
  return {
    at,
    routes,
    found: parsed.samples.some((s) => s.name === REQUESTS),
    inFlight: gauge(parsed.samples, IN_FLIGHT),
    poolSize: gauge(parsed.samples, POOL.size),
    poolCheckedOut: gauge(parsed.samples, POOL.checkedOut),
    poolOverflow: gauge(parsed.samples, POOL.overflow),
    totalRequests: [...routes.values()].reduce((sum, r) => sum + r.requests, 0),
    errors: parsed.errors,
  };
}

/** A counter's increase; a smaller value means the process restarted (count from zero). */
function increase(before, after) {
  if (before === undefined) return after;
  return after >= before ? after - before : after;
}

/** Per route and overall, what happened between two digests (a is older). */
export function between(a, b) {
  const seconds = Math.max((b.at - a.at) / 1000, 1e-3);
  const rows = [];
  const overall = new Map();
  for (const r of b.routes.values()) {
    const old = a.routes.get(r.key);
    const requests = increase(old?.requests, r.requests);
    const byClass = {};
    for (const [cls, n] of Object.entries(r.byClass)) byClass[cls] = increase(old?.byClass[cls], n);
    const buckets = [];
    for (const [le, n] of r.buckets) {
      const d = increase(old?.buckets.get(le), n);
      buckets.push({ le, count: d });
      overall.set(le, (overall.get(le) ?? 0) + d);
    }
    const count = increase(old?.count, r.count);
    rows.push({
      key: r.key,
      method: r.method,
      route: r.route,
      total: r.requests,
      requests,
      rps: requests / seconds,
      p50: histogramQuantile(0.5, buckets),
      p99: histogramQuantile(0.99, buckets),
      mean: count > 0 ? increase(old?.sum, r.sum) / count : null,
      errors4xx: byClass["4xx"] ?? 0,
      errors5xx: byClass["5xx"] ?? 0,
    });
  }
  const all = [...overall].map(([le, count]) => ({ le, count }));
  const requests = rows.reduce((sum, r) => sum + r.requests, 0);
  return {
    seconds,
    rows,
    requests,
    rps: requests / seconds,
    p50: histogramQuantile(0.5, all),
    p99: histogramQuantile(0.99, all),
  };
}

/** Scrapes `url` every `intervalMs` and keeps the digests of the last `keepMs`. */
export class MetricsSampler {
  constructor({ url = "/metrics", intervalMs = 5000, keepMs = 10 * 60_000 } = {}) {
    this.url = url;
    this.intervalMs = intervalMs;
    this.keepMs = keepMs;
    this.history = [];
    this.error = null; // the last scrape's problem, shown by the panel
    this.listeners = new Set();
    this.timer = null;
  }

  start() {
    if (this.timer !== null) return;
    const tick = async () => {
      await this.scrape();
      if (this.timer !== null) this.timer = setTimeout(tick, this.intervalMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  stop() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  async scrape() {
    const at = Date.now();
    try {
      const response = await fetch(this.url, { cache: "no-store" });
      if (!response.ok) {
        throw new Error(
          response.status === 404
            ? `${this.url} is not served by this instance (404)`
            : `${this.url} answered ${response.status}`,
        );
      }
      const sample = digest(parseMetrics(await response.text()), at);
      if (!sample.found) throw new Error(`${this.url} has no ${REQUESTS} series`);
      this.history.push(sample);
      this.history = this.history.filter((s) => at - s.at <= this.keepMs);
      this.error = null;
    } catch (error) {
      this.error = error.message;
    }
    for (const listener of this.listeners) listener(this);
  }

  /** The sample that is at least `ms` older than the newest (or the oldest kept). */
  windowStart(ms) {
    const last = this.history.at(-1);
    if (!last) return null;
    return this.history.find((s) => last.at - s.at <= ms) ?? this.history[0];
  }
}
