// The live view: polls /health and /metrics every 2 s and redraws the panels.

import { api } from "./api.js";
import { WINDOW_S, drawChart } from "./chart.js";
import { $, duration, fillRows, h, mb } from "./dom.js";

const POLL_MS = 2000;
const MIB = 1024 * 1024;
const history = [];
let previous = null; // {t, jobs}: the last sample, for jobs per second
let timer = null;

// Samples of one metric from Prometheus text: [{labels: {...}, value}].
export function parseSamples(text, name) {
  const samples = [];
  for (const row of String(text).split("\n")) {
    if (!row.startsWith(`${name}{`) && !row.startsWith(`${name} `)) continue;
    const match = row.match(/^[^{\s]+(?:\{(.*)\})?\s+(\S+)/);
    if (!match) continue;
    const labels = {};
    for (const [, key, raw] of (match[1] || "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = raw.replace(/\\(.)/g, (_, ch) => (ch === "n" ? "\n" : ch));
    }
    samples.push({ labels, value: Number(match[2]) });
  }
  return samples;
}

function rssBar(worker, limits) {
  const soft = limits?.max_worker_rss_mb || 0;
  const hard = limits?.hard_worker_rss_mb || soft || 1;
  const rssMb = (worker.rss_bytes || 0) / MIB;
  const scale = Math.max(hard, rssMb);
  const level = rssMb >= hard ? "over" : rssMb >= soft && soft ? "warn" : "ok";
  const text = `${Math.round(rssMb)} MB (soft ${soft} MB, hard ${hard} MB)`;
  return h("div", { class: "rss" },
    h("div", { class: "rss-label" }, h("span", {}, "RSS"), h("span", {}, text)),
    h("div", { class: "bar", role: "meter", "aria-label": `RSS of worker ${worker.pid}`,
               "aria-valuemin": 0, "aria-valuemax": hard, "aria-valuenow": Math.round(rssMb),
               "aria-valuetext": text },
      h("span", { class: `fill ${level}`, style: { width: `${(100 * rssMb) / scale}%` } }),
      soft ? h("span", { class: "mark soft", style: { left: `${(100 * soft) / scale}%` },
                         title: `soft limit ${soft} MB` }) : null,
      h("span", { class: "mark hard", style: { left: `${(100 * hard) / scale}%` },
                  title: `hard limit ${hard} MB` })));
}

function workerCard(worker, limits) {
  const facts = [["pid", worker.pid ?? "–"], ["jobs done", worker.jobs_done],
                 ["uptime", duration(worker.uptime_s)], ["in flight", worker.in_flight ?? 0]];
  return h("article", { class: "card worker", "data-pid": worker.pid ?? "",
                        "data-engine": worker.engine },
    h("header", {}, h("h4", {}, `${worker.engine} `, h("span", { class: "muted" }, `#${worker.slot ?? 0}`)),
      h("span", { class: `state state-${worker.state}` }, worker.state)),
    h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))])),
    rssBar(worker, limits));
}

function renderWorkers(health) {
  const box = $("#workers");
  const workers = [...(health.workers || [])].sort(
    (a, b) => a.engine.localeCompare(b.engine) || (a.slot ?? 0) - (b.slot ?? 0));
  if (!workers.length) {
    box.replaceChildren(h("p", { class: "muted" }, "No worker processes yet."));
    return;
  }
  box.replaceChildren(...workers.map((w) => workerCard(w, health.limits)));
}

function renderSummary(health, jobsPerS) {
  const items = [
    ["status", health.status], ["uptime", duration(health.uptime_s)],
    ["jobs done", health.jobs_done], ["jobs / s", jobsPerS === null ? "–" : jobsPerS.toFixed(2)],
    ["service RSS", mb(health.memory?.service_rss_bytes)],
    ["host available", mb(health.memory?.host_available_bytes)],
    ["workers", (health.workers || []).length],
  ];
  $("#summary").replaceChildren(...items.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, String(v)))));
  const pill = $("#status");
  pill.textContent = health.status;
  pill.className = `pill ${(health.status === "healthy" || health.status === "ok") ? "good" : "warn"}`;
}

function renderEngines(health) {
  const engines = Object.entries(health.engines || {});
  fillRows($("#engines tbody"), engines.map(([name, row]) => [
    name, row.ready ? "yes" : "no", String(row.queue_depth), String(row.jobs_done),
    row.last_load_error || "–"]), "No engine served.");
  const select = $("#drain-engine");
  const names = engines.map(([name]) => name);
  const current = [...select.options].slice(1).map((o) => o.value);
  if (names.join() !== current.join()) {
    const chosen = select.value;
    select.replaceChildren(h("option", { value: "" }, "all engines"),
                           ...names.map((n) => h("option", { value: n }, n)));
    select.value = names.includes(chosen) ? chosen : "";
  }
}

function renderRecycles(health) {
  const rows = Object.entries(health.recycles || {}).sort((a, b) => b[1] - a[1]);
  fillRows($("#recycles tbody"), rows.map(([reason, count]) => [reason, String(count)]),
           "No recycle yet.");
}

function renderRejections(metricsText) {
  if (metricsText === null) {
    fillRows($("#rejections tbody"), [], "Needs /metrics (API key?).");
    return;
  }
  const rows = parseSamples(metricsText, "docwarden_rejected_total")
    .filter((s) => s.value > 0).sort((a, b) => b.value - a.value);
  fillRows($("#rejections tbody"), rows.map((s) => [
    s.labels.engine || "–", s.labels.reason || "–", String(Math.round(s.value))]),
           "No rejection yet.");
}

function renderGpu(gpu) {
  const panel = $("#gpu-panel");
  panel.hidden = !gpu;
  if (!gpu) return;
  const used = Number(gpu.used_mb) || 0;
  const total = Number(gpu.total_mb) || 1;
  const text = `${Math.round(used)} of ${Math.round(total)} MB (${Math.round((100 * used) / total)} %)`;
  $("#gpu").replaceChildren(
    h("p", {}, `${gpu.name ?? "GPU"} #${gpu.index ?? 0}`),
    h("div", { class: "bar", role: "meter", "aria-label": "GPU memory used", "aria-valuemin": 0,
               "aria-valuemax": Math.round(total), "aria-valuenow": Math.round(used),
               "aria-valuetext": text },
      h("span", { class: `fill ${used / total > 0.9 ? "warn" : "ok"}`,
                  style: { width: `${(100 * used) / total}%` } })),
    h("p", { class: "note" }, `${text}; free ${Math.round(gpu.free_mb ?? 0)} MB`));
}

const MIN_SAMPLE_GAP_S = 1;

// Adds a chart point; an extra poll right after another (a recycle, a new key) adds none.
function record(health) {
  const t = performance.now() / 1000;
  const last = history[history.length - 1];
  if (last && t - last.t < MIN_SAMPLE_GAP_S) return last.jobsPerS;
  let jobsPerS = null;
  if (previous && t > previous.t) {
    jobsPerS = Math.max(0, health.jobs_done - previous.jobs) / (t - previous.t);
  }
  previous = { t, jobs: health.jobs_done };
  history.push({ t, rssMb: (health.memory?.service_rss_bytes || 0) / MIB, jobsPerS });
  while (history.length && t - history[0].t > WINDOW_S + 5) history.shift();
  return jobsPerS;
}

function renderChart() {
  if (!history.length) return;
  const last = history[history.length - 1];
  drawChart($("#chart"), history, last.t);
  const recent = history.filter((p) => p.jobsPerS !== null);
  const peak = Math.max(0, ...recent.map((p) => p.jobsPerS));
  $("#chart-text").textContent = `Now: service RSS ${Math.round(last.rssMb)} MB, `
    + `${(last.jobsPerS ?? 0).toFixed(2)} jobs/s; highest rate in the window ${peak.toFixed(2)} jobs/s.`;
}

async function fetchMetrics() {
  try {
    const response = await api("/metrics");
    return response.ok ? await response.text() : null;
  } catch {
    return null;
  }
}

function unreachable(error) {
  const pill = $("#status");
  pill.textContent = "unreachable";
  pill.className = "pill bad";
  $("#last-update").textContent = `Last attempt failed: ${error}`;
}

export async function refresh(onHealth) {
  try {
    const [response, metricsText] = await Promise.all([api("/health", { open: true }), fetchMetrics()]);
    if (!response.ok) throw new Error(`/health answered ${response.status}`);
    const health = await response.json();
    const jobsPerS = record(health);
    renderSummary(health, jobsPerS);
    renderWorkers(health);
    renderEngines(health);
    renderRecycles(health);
    renderRejections(metricsText);
    renderGpu(health.gpu);
    renderChart();
    $("#last-update").textContent = `Updated ${new Date().toLocaleTimeString("en-GB")}.`;
    onHealth(health);
  } catch (error) {
    unreachable(error.message || String(error));
  }
}

// One polling loop at a time: a newer schedule() silences the older one.
let generation = 0;
function schedule(onHealth, delayMs) {
  generation += 1;
  const mine = generation;
  clearTimeout(timer);
  timer = setTimeout(async () => {
    if (!document.hidden) await refresh(onHealth);
    if (mine === generation) schedule(onHealth, POLL_MS);
  }, delayMs);
}

export function startLive(onHealth) {
  schedule(onHealth, 0);
  window.addEventListener("resize", renderChart);
}

// Poll now (after a recycle or a new key) without waiting for the next tick.
export function refreshSoon(onHealth) {
  schedule(onHealth, 0);
}
