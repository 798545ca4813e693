// The service's own HTTP API: JSON and text GETs with the operator's API key, pagination,
// a small TTL cache.

const KEY_STORAGE = "fuel-analytics.api-key";

/** The API key this browser keeps (localStorage), or null. */
export function apiKey() {
  try {
    return localStorage.getItem(KEY_STORAGE);
  } catch {
    return null; // storage disabled: the page asks every time
  }
}

export function setApiKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled
  }
}

/** A key handed over in the URL (`/#key=fak_...`, as `fuel-analytics demo` prints it) is
 * kept, and taken out of the address bar and the history at once. */
export function adoptKeyFromUrl() {
  const match = location.hash.match(/^#key=([A-Za-z0-9_-]+)/);
  if (!match) return false;
  setApiKey(match[1]);
  history.replaceState(null, "", `${location.pathname}${location.search}#/fleet`);
  return true;
}

export class ApiError extends Error {
  constructor(url, status, detail) {
    super(`${status} ${detail} (${url})`);
    this.url = url;
    this.status = status;
    this.detail = detail;
  }
}

function urlOf(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

async function get(path, params, accept) {
  const url = urlOf(path, params);
  let response;
  try {
    const headers = { accept };
    const key = apiKey();
    if (key) headers.authorization = `Bearer ${key}`;
    response = await fetch(url, { headers, cache: "no-store" });
  } catch (error) {
    throw new ApiError(url, 0, `the service did not answer: ${error.message}`);
  }
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const problem = await response.json(); // RFC 9457 problem+json
      detail = problem.detail || problem.title || detail;
    } catch {
      // not a problem document: keep the status text
    }
    throw new ApiError(url, response.status, detail);
  }
  return response;
}

export async function getJson(path, params) {
  return (await get(path, params, "application/json")).json();
}

export async function getText(path, params) {
  return (await get(path, params, "text/plain, */*")).text();
}

/** Every item of an offset-paged list (`next_offset`), at most `maxPages` pages. */
export async function allByOffset(path, params = {}, { limit = 500, maxPages = 20 } = {}) {
  const items = [];
  let offset = 0;
  for (let page = 0; page < maxPages && offset !== null; page++) {
    const body = await getJson(path, { ...params, offset, limit });
    items.push(...body.items);
    offset = body.next_offset;
  }
  return items;
}

/** Every item of a cursor-paged list (`next_cursor`), at most `maxPages` pages. */
export async function allByCursor(path, params = {}, { limit = 500, maxPages = 10 } = {}) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page++) {
    const body = await getJson(path, { ...params, cursor, limit });
    items.push(...body.items);
    cursor = body.next_cursor;
    if (!cursor) break;
  }
  return items;
}

const cache = new Map();

/** `load()` at most once per `ttlMs` for a key; concurrent callers share one request. */
export function cached(key, ttlMs, load) {
  const hit = cache.get(key);
  const now = Date.now();
  if (hit && now - hit.at < ttlMs) return hit.promise;
  const promise = load();
  cache.set(key, { at: now, promise });
  promise.catch(() => {
    if (cache.get(key)?.promise === promise) cache.delete(key); // retry next time
  });
  return promise;
}

export function forgetCached() {
  cache.clear();
}

/** Map over items with at most `limit` calls in flight; results in the items' order. */
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A CSV export (header row, no quoted commas in numeric columns) as objects. */
export function parseCsv(text) {
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  if (lines.length === 0) return [];
  const header = lines[0].split(",").map((name) => name.replace(/ \(.*\)$/, ""));
  return lines.slice(1).map((line) => {
    const cells = line.split(",");
    const row = {};
    header.forEach((name, i) => {
      row[name] = cells[i] ?? "";
    });
    return row;
  });
}
