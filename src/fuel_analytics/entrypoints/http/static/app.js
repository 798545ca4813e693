// The dashboard shell: hash routing, the period picker, polling without page reloads,
// the error banner, and the /metrics sampler that runs whatever page is open.

import { adoptKeyFromUrl, apiKey, forgetCached, setApiKey } from "./api.js";
import { clock } from "./format.js";
import { MetricsSampler } from "./prom.js";
import * as events from "./page-events.js";
import * as fleet from "./page-fleet.js";
import * as kpis from "./page-kpis.js";
import * as perf from "./page-perf.js";
import * as truck from "./page-truck.js";

const PAGES = { fleet, kpis, events, perf, truck };
const HOUR_MS = 3_600_000;
const PERIODS = {
  "24h": { label: "last 24 hours", ms: 24 * HOUR_MS },
  "3d": { label: "last 3 days", ms: 3 * 24 * HOUR_MS },
  "7d": { label: "last 7 days", ms: 7 * 24 * HOUR_MS },
  "30d": { label: "last 30 days", ms: 30 * 24 * HOUR_MS },
};

const query = new URLSearchParams(location.search);
const $ = (selector) => document.querySelector(selector);
const state = {
  page: null, // {name, arg, view}
  refreshing: null,
  refreshes: 0,
  timer: null,
};

const sampler = new MetricsSampler({
  intervalMs: 1000 * Math.max(1, Number(query.get("sample") ?? 5)),
});

/** What every page gets: the chosen period, navigation, the sampler. */
const context = {
  period() {
    const key = $("#period").value;
    const chosen = PERIODS[key] ?? PERIODS["7d"];
    const to = new Date();
    const from = new Date(to.getTime() - chosen.ms);
    return { key, label: chosen.label, from: from.toISOString(), to: to.toISOString(), ms: chosen.ms };
  },
  navigate(hash) {
    location.hash = hash;
  },
  sampler,
};

function route() {
  const [name, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  if (name in PAGES) return { name, arg: rest.map(decodeURIComponent).join("/") };
  return { name: "fleet", arg: "" };
}

function showError(message) {
  const banner = $("#error");
  banner.hidden = !message;
  banner.textContent = message ? `Could not refresh: ${message}. Retrying at the next refresh.` : "";
}

async function refresh() {
  const page = state.page;
  if (!page || state.refreshing) return state.refreshing;
  const run = (async () => {
    document.body.classList.add("loading");
    try {
      await page.view.refresh();
      if (state.page !== page) return;
      state.refreshes += 1;
      document.body.dataset.refreshes = String(state.refreshes);
      $("#updated").textContent = `updated ${clock(new Date())}`;
      showError(null);
    } catch (error) {
      if (error.status === 401) {
        askForKey(apiKey() ? "the API key was refused (revoked?): paste another" : null);
        if (state.page === page) showError(null);
        return;
      }
      console.error(error);
      if (state.page === page) showError(error.message ?? String(error));
    } finally {
      if (state.refreshing === run) {
        document.body.classList.remove("loading");
        state.refreshing = null;
      }
    }
  })();
  state.refreshing = run;
  return run;
}

function open() {
  const { name, arg } = route();
  state.page?.view.unmount?.();
  // each page renders into a host of its own: a refresh still in flight when the operator
  // navigates away finishes into the detached host, never into the next page
  const host = document.createElement("div");
  host.className = `page page-${name}`;
  const root = $("#page");
  root.replaceChildren(host);
  root.dataset.page = name;
  for (const link of document.querySelectorAll("#nav a")) {
    link.classList.toggle("active", link.dataset.page === name);
  }
  state.page = { name, arg, view: PAGES[name].mount(host, context, arg) };
  document.title = `${PAGES[name].title?.(arg) ?? name} · Fuel analytics`;
  state.refreshing = null;
  refresh();
}

function schedule() {
  clearInterval(state.timer);
  const seconds = Number($("#refresh").value);
  if (seconds > 0) {
    state.timer = setInterval(refresh, seconds * 1000);
    sampler.start();
  } else {
    state.timer = null;
    sampler.stop();
  }
}

/** The API needs a key with the `read` scope: ask for one, keep it in localStorage. */
function askForKey(why) {
  const form = $("#key-form");
  form.hidden = false;
  $("#key-why").textContent = why ?? "";
}

function initKeyForm() {
  const form = $("#key-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("#key-input").value.trim();
    if (!key) return;
    setApiKey(key);
    $("#key-input").value = "";
    form.hidden = true;
    forgetCached();
    refresh();
  });
  $("#key-forget").addEventListener("click", () => {
    setApiKey(null);
    askForKey(null);
  });
}

function init() {
  adoptKeyFromUrl();
  initKeyForm();
  if (!apiKey()) askForKey(null);
  const period = query.get("period");
  if (period in PERIODS) $("#period").value = period;
  const every = query.get("refresh");
  if (every !== null) {
    const select = $("#refresh");
    if (![...select.options].some((o) => o.value === every)) {
      select.add(new Option(`${every} s`, every));
    }
    select.value = every;
  }
  $("#period").addEventListener("change", () => {
    forgetCached();
    refresh();
  });
  $("#refresh").addEventListener("change", schedule);
  $("#refresh-now").addEventListener("click", () => {
    forgetCached();
    refresh();
  });
  window.addEventListener("hashchange", open);
  schedule();
  open();
}

init();
