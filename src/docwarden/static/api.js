// Requests to the docwarden API with the operator's key (kept in sessionStorage:
// this tab only, gone when it closes).  A 401 anywhere raises one page event.

const STORAGE_KEY = "docwarden.apiKey";

export function apiKey() {
  try {
    return sessionStorage.getItem(STORAGE_KEY) || "";
  } catch {
    return "";
  }
}

export function setApiKey(key) {
  try {
    if (key) sessionStorage.setItem(STORAGE_KEY, key);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage disabled: the key lives only as long as this page.
  }
}

// `open: true` marks a public route (/health), whose success says nothing about the key.
export async function api(path, { open = false, ...options } = {}) {
  const headers = new Headers(options.headers || {});
  const key = apiKey();
  if (key) headers.set("Authorization", `Bearer ${key}`);
  const response = await fetch(path, { ...options, headers, cache: "no-store" });
  let name = null;
  if (response.status === 401) name = "docwarden:unauthorized";
  else if (response.ok && !open) name = "docwarden:authorized";
  if (name) {
    document.dispatchEvent(new CustomEvent(name, { detail: { path, hadKey: Boolean(key) } }));
  }
  return response;
}

// The body of any answer: parsed JSON when it is JSON, else its text.
export async function readBody(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try {
      return await response.json();
    } catch {
      return null;
    }
  }
  return response.text();
}
