// Entry point of the dashboard page: the API key form, the 401 prompt, the
// recycle button, and the two views (live and try it).

import { api, apiKey, readBody, setApiKey } from "./api.js";
import { $, h } from "./dom.js";
import { refreshSoon, startLive } from "./live.js";
import { initTry, setEngines } from "./tryit.js";

function onHealth(health) {
  setEngines(Object.keys(health.engines || {}));
}

function showAuthAlert(hadKey) {
  const alert = $("#auth-alert");
  const message = hadKey
    ? "The API key was refused (401). Check it and enter it again above."
    : "This server needs an API key (401). Enter it in the API key field above.";
  if (!alert.hidden && alert.dataset.message === message) return; // announce once
  alert.dataset.message = message;
  const focusKey = h("button", { type: "button", class: "secondary" }, "Enter the key");
  focusKey.addEventListener("click", () => $("#api-key").focus());
  alert.replaceChildren(h("span", {}, message), focusKey);
  alert.hidden = false;
}

function initKey() {
  const input = $("#api-key");
  input.value = apiKey();
  $("#key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    setApiKey(input.value.trim());
    $("#auth-alert").hidden = true;
    refreshSoon(onHealth);
  });
  $("#key-forget").addEventListener("click", () => {
    setApiKey("");
    input.value = "";
    refreshSoon(onHealth);
  });
  document.addEventListener("docwarden:unauthorized", (e) => showAuthAlert(e.detail.hadKey));
  document.addEventListener("docwarden:authorized", () => {
    $("#auth-alert").hidden = true;
  });
}

async function drain(event) {
  event.preventDefault();
  const engine = $("#drain-engine").value;
  const out = $("#drain-result");
  const button = $("#drain");
  button.disabled = true;
  out.textContent = "Asking the workers to recycle…";
  try {
    const query = engine ? `?engine=${encodeURIComponent(engine)}` : "";
    const response = await api(`/v1/workers/drain${query}`, { method: "POST" });
    const body = await readBody(response);
    out.textContent = response.ok
      ? `Recycling ${body.draining} worker(s) of ${engine || "all engines"}; replacements load warm.`
      : `Refused (HTTP ${response.status}): ${body?.error?.message ?? JSON.stringify(body)}`;
    refreshSoon(onHealth);
  } catch (error) {
    out.textContent = `Request failed: ${error.message || error}`;
  } finally {
    button.disabled = false;
  }
}

initKey();
initTry();
$("#drain-form").addEventListener("submit", drain);
startLive(onHealth);
