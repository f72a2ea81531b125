// "Try it": upload a file to an engine route and show its answer, or its error JSON.

import { api, readBody } from "./api.js";
import { $, h } from "./dom.js";
import { renderMarkdown } from "./markdown.js";

// Engines with an upload route, and the form fields each one sends.
const ROUTES = {
  ocr: { path: "/v1/ocr", fields: [] },
  idcard: { path: "/v1/idcard", fields: ["side"] },
  pdf: { path: "/v1/pdf", fields: ["pages", "password"] },
  enhance: { path: "/v1/enhance", fields: ["scale"] },
};
const urls = []; // object URLs of the last result, released on the next run

export function setEngines(served) {
  const select = $("#engine");
  const names = served.filter((name) => name in ROUTES);
  const current = [...select.options].map((o) => o.value).filter(Boolean);
  if (names.join() === current.join() && names.length) return;
  const chosen = select.value;
  select.replaceChildren(...(names.length
    ? names.map((name) => h("option", { value: name }, name))
    : [h("option", { value: "" }, "no upload engine served")]));
  if (names.includes(chosen)) select.value = chosen;
  showFields();
}

function showFields() {
  const engine = $("#engine").value;
  for (const field of document.querySelectorAll("#try-form .field[data-for]")) {
    field.hidden = field.dataset.for !== engine;
  }
}

function objectUrl(blob) {
  const url = URL.createObjectURL(blob);
  urls.push(url);
  return url;
}

function rawJson(body, open = false) {
  return h("details", { class: "raw", open }, h("summary", {}, "Raw JSON"),
    h("pre", { tabindex: 0 }, JSON.stringify(body, null, 2)));
}

function header(response, seconds, extra = "") {
  return h("p", { class: "result-head" },
    h("strong", {}, `HTTP ${response.status}`), ` · ${seconds.toFixed(2)} s round trip${extra}`);
}

// The uploaded image with the OCR line boxes drawn over it, scaled to the answer's size.
function boxedImage(file, body) {
  const canvas = h("canvas", { class: "preview", role: "img",
                               "aria-label": `${file.name} with ${body.lines?.length ?? 0} text boxes` });
  const image = new Image();
  image.onload = () => {
    canvas.width = body.width || image.naturalWidth;
    canvas.height = body.height || image.naturalHeight;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = "#d1006f";
    ctx.lineWidth = Math.max(2, canvas.width / 400);
    for (const line of body.lines || []) {
      ctx.beginPath();
      line.box.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      ctx.closePath();
      ctx.stroke();
    }
  };
  image.src = objectUrl(file);
  return canvas;
}

function ocrResult(body, file) {
  const rows = (body.lines || []).map((line, i) => h("tr", {},
    h("td", {}, String(i + 1)), h("td", { lang: "und" }, line.text),
    h("td", {}, Number(line.score).toFixed(3))));
  return [
    h("div", { class: "side-by-side" },
      h("figure", {}, boxedImage(file, body), h("figcaption", {}, `${body.width} × ${body.height} px`)),
      h("div", {}, h("h4", {}, "Text"), h("pre", { class: "ocr-text", tabindex: 0 }, body.text || "(no text found)"))),
    h("h4", {}, `Lines (${rows.length})`),
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ["#", "text", "score"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows))),
  ];
}

function checkMark(value) {
  if (value === true) return h("span", { class: "check yes" }, "✓ yes");
  if (value === false) return h("span", { class: "check no" }, "✗ no");
  if (value === null || value === undefined) return h("span", { class: "check na" }, "– n/a");
  if (typeof value !== "object") return String(value);
  if ("code" in value) { // the region of the ID number: {code, name, status}
    const known = value.status === "current" || value.status === "abolished";
    return h("span", { class: `check ${known ? "yes" : "no"}` },
             `${value.name ?? "unknown region"} (${value.code}, ${value.status})`);
  }
  return Object.entries(value).map(([k, v]) => `${k}: ${v}`).join(", ");
}

function pairsTable(entries, render) {
  return h("div", { class: "table-wrap" }, h("table", { class: "pairs" }, h("tbody", {},
    entries.map(([key, value]) => h("tr", {}, h("th", { scope: "row" }, key), h("td", {}, render(value)))))));
}

function warningsList(warnings) {
  if (!warnings?.length) return null;
  return [h("h4", {}, "Warnings"), h("ul", { class: "warnings" }, warnings.map((w) => h("li", {}, w)))];
}

function idcardResult(body) {
  return [
    h("p", {}, `Side: ${body.side}`),
    h("div", { class: "grid-2" },
      h("div", {}, h("h4", {}, "Fields"),
        pairsTable(Object.entries(body.fields || {}), (v) => (v === null || v === "" ? "–" : String(v)))),
      h("div", {}, h("h4", {}, "Checks"), pairsTable(Object.entries(body.checks || {}), checkMark))),
    warningsList(body.warnings),
  ];
}

function pdfResult(body) {
  const article = h("article", { class: "markdown", "aria-label": "Converted Markdown", tabindex: 0 });
  article.innerHTML = renderMarkdown(body.markdown); // escaped first; fixed tags only
  const pages = (body.pages || []).map((p) => `${p.number}: ${p.method}, ${p.chars} chars`);
  return [
    h("p", {}, `${pages.length} page(s): ${pages.join(" · ")}`),
    warningsList(body.warnings),
    article,
    h("details", { class: "raw" }, h("summary", {}, "Markdown source"),
      h("pre", { tabindex: 0 }, body.markdown || "")),
  ];
}

async function imageResult(response, file) {
  const blob = await response.blob();
  const width = response.headers.get("x-docwarden-width");
  const height = response.headers.get("x-docwarden-height");
  const original = objectUrl(file);
  const enhanced = objectUrl(blob);
  const extension = (blob.type.split("/")[1] || "png").replace("jpeg", "jpg");
  const figure = (url, caption, alt) => h("figure", {},
    h("img", { src: url, alt }), h("figcaption", {}, caption));
  return [h("div", { class: "side-by-side compare" },
    figure(original, `original: ${file.name}`, "original image"),
    figure(enhanced, `enhanced: ${width} × ${height} px, ${Math.round(blob.size / 1024)} KB`,
           "enhanced image")),
    h("p", {}, h("a", { href: enhanced, download: `enhanced.${extension}` },
                 "Download the enhanced image"))];
}

function errorResult(response, body) {
  const error = body?.error;
  const title = error ? `Error ${response.status} · ${error.code}` : `Error ${response.status}`;
  return h("div", { class: "error-box" },
    h("h4", {}, title),
    error ? h("p", {}, error.message, error.retryable ? " (retryable: try again later)" : "") : null,
    response.status === 401 ? h("p", {}, "Enter the server's API key in the field at the top.") : null,
    h("pre", { class: "error-json", tabindex: 0 }, typeof body === "string" ? body : JSON.stringify(body, null, 2)));
}

function formData(engine, file) {
  const data = new FormData();
  data.append("file", file, file.name);
  for (const name of ROUTES[engine].fields) {
    const value = $(`#${name}`).value.trim();
    if (value) data.append(name, value);
  }
  return data;
}

async function render(response, engine, file, seconds) {
  const type = response.headers.get("content-type") || "";
  if (response.ok && type.startsWith("image/")) {
    return [header(response, seconds), ...(await imageResult(response, file))];
  }
  const body = await readBody(response);
  if (!response.ok) return [header(response, seconds), errorResult(response, body)];
  const timing = body.processing_time_s !== undefined
    ? ` · ${body.processing_time_s} s in worker ${body.worker_pid}` : "";
  const renderers = { ocr: ocrResult, idcard: idcardResult, pdf: pdfResult };
  const parts = renderers[engine] ? renderers[engine](body, file) : [];
  return [header(response, seconds, timing), parts, rawJson(body, !renderers[engine])]
    .flat(Infinity).filter(Boolean);
}

async function run(event) {
  event.preventDefault();
  const engine = $("#engine").value;
  const file = $("#file").files[0];
  const box = $("#result");
  if (!engine || !file) {
    box.replaceChildren(h("p", { class: "error-box" }, "Choose a file and an engine first."));
    return;
  }
  urls.splice(0).forEach((url) => URL.revokeObjectURL(url));
  const button = $("#run");
  button.disabled = true;
  box.setAttribute("aria-busy", "true");
  box.replaceChildren(h("p", { class: "muted" }, `Running ${engine} on ${file.name}…`));
  const started = performance.now();
  try {
    const response = await api(ROUTES[engine].path, { method: "POST", body: formData(engine, file) });
    box.replaceChildren(...(await render(response, engine, file, (performance.now() - started) / 1000)));
  } catch (error) {
    box.replaceChildren(h("div", { class: "error-box" }, h("h4", {}, "Request failed"),
      h("pre", { class: "error-json" }, String(error.message || error))));
  } finally {
    button.disabled = false;
    box.setAttribute("aria-busy", "false");
  }
}

function pickEngineForFile() {
  const file = $("#file").files[0];
  const select = $("#engine");
  const isPdf = file && (file.type === "application/pdf" || /\.pdf$/i.test(file.name));
  const has = (name) => [...select.options].some((o) => o.value === name);
  if (isPdf && has("pdf")) select.value = "pdf";
  else if (file && !isPdf && select.value === "pdf" && has("ocr")) select.value = "ocr";
  showFields();
}

export function initTry() {
  $("#try-form").addEventListener("submit", run);
  $("#engine").addEventListener("change", showFields);
  $("#file").addEventListener("change", pickEngineForFile);
  showFields();
}
