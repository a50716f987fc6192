// The memory inspector: every read and change goes through the REST API under
// /memory/v1, with the API key the person entered (kept in sessionStorage only).
"use strict";

const KEY_STORE = "memory-inspector-key";
const $ = (id) => document.getElementById(id);
const state = { user: null, topics: new Set() };

function api() {
  return document.body.dataset.api;
}

function agent() {
  return $("agent").value.trim();
}

function say(message, isError = false) {
  const status = $("status");
  status.textContent = message;
  status.classList.toggle("error", isError);
}

async function call(method, path, { query = {}, body } = {}) {
  const url = new URL(api() + path, window.location.origin);
  for (const [name, value] of Object.entries(query)) {
    for (const one of [].concat(value)) {
      if (one !== "" && one !== null && one !== undefined) url.searchParams.append(name, one);
    }
  }
  const headers = { Accept: "application/json" };
  const key = sessionStorage.getItem(KEY_STORE);
  if (key) headers.Authorization = "Bearer " + key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = typeof answer.detail === "string" ? answer.detail : JSON.stringify(answer.detail);
    const hint = response.status === 401 ? " Enter an API key above." : "";
    throw new Error(`${response.status}: ${detail || response.statusText}.${hint}`);
  }
  return answer;
}

function userPath(suffix = "") {
  return `/users/${encodeURIComponent(state.user)}${suffix}`;
}

function scope() {
  return agent() ? { agent_id: agent() } : {};
}

// Turn every failure into a message on the page instead of an unhandled rejection.
function guarded(action) {
  return async (event) => {
    if (event) event.preventDefault();
    try {
      await action(event);
    } catch (error) {
      say(error.message, true);
    }
  };
}

function element(tag, { text, className, attrs = {} } = {}) {
  const made = document.createElement(tag);
  if (text !== undefined) made.textContent = text;
  if (className) made.className = className;
  for (const [name, value] of Object.entries(attrs)) made.setAttribute(name, value);
  return made;
}

function button(label, onClick, className) {
  const made = element("button", { text: label, className, attrs: { type: "button" } });
  made.addEventListener("click", guarded(onClick));
  return made;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

// -- users ----------------------------------------------------------------

async function loadUsers() {
  const { users } = await call("GET", "/users", { query: scope() });
  const list = $("users");
  list.replaceChildren();
  for (const { user_id, memories } of users) {
    const open = button("", () => openUser(user_id), "user");
    const count = element("span", { text: String(memories), className: "count" });
    count.setAttribute("aria-label", `${memories} memories`);
    open.append(element("span", { text: user_id }), count);
    open.setAttribute("aria-pressed", String(user_id === state.user));
    const entry = element("li");
    entry.append(open);
    list.append(entry);
  }
  if (!users.length) list.append(element("li", { text: "No user has memories here yet.", className: "empty" }));
  say(`${users.length} user${users.length === 1 ? "" : "s"}.`);
}

async function openUser(userId) {
  state.user = userId;
  state.topics.clear();
  $("current-user").textContent = userId;
  $("erase-user").textContent = userId;
  $("erase-confirm").value = "";
  $("erase-button").disabled = true;
  $("prompt-block").hidden = true;
  $("memories-panel").hidden = false;
  for (const open of document.querySelectorAll("#users button.user")) {
    open.setAttribute("aria-pressed", String(open.firstChild.textContent === userId));
  }
  try {
    await Promise.all([loadTopics(), search()]);
  } catch (error) {
    $("memories-panel").hidden = true;
    throw error;
  }
}

// -- topics, search and listing ---------------------------------------------

async function loadTopics() {
  const { topics } = await call("GET", userPath("/topics"), { query: scope() });
  const chips = $("topics");
  chips.replaceChildren();
  for (const { topic, memories } of topics) {
    const chip = button(`${topic} (${memories})`, async () => {
      if (state.topics.has(topic)) state.topics.delete(topic);
      else state.topics.add(topic);
      chip.setAttribute("aria-pressed", String(state.topics.has(topic)));
      await search();
    }, "chip");
    chip.setAttribute("aria-pressed", String(state.topics.has(topic)));
    chips.append(chip);
  }
}

function dayStart(value, nextDay = false) {
  if (!value) return undefined;
  const day = new Date(value + "T00:00:00Z");
  if (nextDay) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString();
}

async function search() {
  const text = $("query").value.trim();
  const includeExpired = $("include-expired").checked;
  const since = dayStart($("since").value);
  const until = dayStart($("until").value, true);
  const topics = [...state.topics];
  let memories;
  let info;
  if (text && !includeExpired) {
    const body = { query: text, method: $("method").value, since, until };
    if (topics.length) body.topics = topics;
    const found = await call("POST", userPath("/search"), { query: scope(), body });
    memories = found.results.map((result) => result.memory);
    info = `${memories.length} found by ${found.method}` + (found.fallback_reason ? ` (${found.fallback_reason})` : "");
  } else {
    const page = await call("GET", userPath("/memories"), {
      query: { ...scope(), q: text, topics, since, until, include_expired: includeExpired, limit: 1000 },
    });
    memories = page.memories;
    info = `${page.total} memor${page.total === 1 ? "y" : "ies"}` + (text ? ` containing "${text}"` : "");
  }
  $("result-info").textContent = info + ".";
  renderMemories(memories);
}

function renderMemories(memories) {
  const list = $("memories");
  list.replaceChildren();
  const now = Date.now();
  for (const memory of memories) {
    const item = $("memory-item").content.firstElementChild.cloneNode(true);
    item.dataset.id = memory.memory_id;
    const text = item.querySelector(".text");
    text.textContent = memory.memory;
    text.id = `memory-${memory.memory_id}`;
    for (const action of item.querySelectorAll(".actions button")) {
      action.setAttribute("aria-describedby", text.id);  // "Edit", but which memory
    }
    const meta = item.querySelector(".meta");
    for (const topic of memory.topics) meta.append(element("span", { text: topic, className: "tag" }));
    meta.append(element("span", { text: `updated ${when(memory.updated_at)}` }));
    if (memory.expires_at) {
      const past = new Date(memory.expires_at).getTime() <= now;
      meta.append(element("span", { text: `${past ? "expired" : "expires"} ${when(memory.expires_at)}`, className: past ? "expired" : "" }));
    }
    item.querySelector(".edit").addEventListener("click", guarded(() => editMemory(item, memory)));
    item.querySelector(".history").addEventListener("click", guarded(() => showHistory(item, memory)));
    item.querySelector(".delete").addEventListener("click", guarded(() => confirmDelete(item, memory)));
    list.append(item);
  }
}

async function refresh(message) {
  await Promise.all([loadTopics(), search(), loadUsers()]);
  say(message);
}

// -- one memory: edit, delete, history ----------------------------------------

function localInput(iso) {
  if (!iso) return "";
  const moment = new Date(iso);
  return new Date(moment.getTime() - moment.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function editMemory(item, memory) {
  const panel = item.querySelector(".panel");
  const form = element("form", { className: "edit-form" });
  const text = element("textarea", { attrs: { id: `text-${memory.memory_id}`, rows: "3", required: "" } });
  text.value = memory.memory;
  const topics = element("input", { attrs: { id: `topics-${memory.memory_id}` } });
  topics.value = memory.topics.join(", ");
  const expires = element("input", { attrs: { id: `expires-${memory.memory_id}`, type: "datetime-local" } });
  expires.value = localInput(memory.expires_at);
  form.append(
    element("label", { text: "Text", attrs: { for: text.id } }), text,
    element("label", { text: "Topics (comma-separated)", attrs: { for: topics.id } }), topics,
    element("label", { text: "Expires (empty: never)", attrs: { for: expires.id } }), expires,
    element("button", { text: "Save", attrs: { type: "submit" } }),
    button("Cancel", () => panel.replaceChildren()),
  );
  form.addEventListener("submit", guarded(async () => {
    const changes = {
      memory: text.value,
      topics: topics.value.split(",").map((topic) => topic.trim()).filter(Boolean),
    };
    if (expires.value !== localInput(memory.expires_at)) {
      changes.expires_at = expires.value ? new Date(expires.value).toISOString() : null;
    }
    await call("PATCH", userPath(`/memories/${encodeURIComponent(memory.memory_id)}`), { query: scope(), body: changes });
    await refresh("Memory saved.");
  }));
  panel.replaceChildren(form);
  text.focus();
}

function confirmDelete(item, memory) {
  const panel = item.querySelector(".panel");
  const yes = button("Yes, delete it", async () => {
    await call("DELETE", userPath(`/memories/${encodeURIComponent(memory.memory_id)}`), { query: scope() });
    await refresh("Memory deleted.");
  }, "confirm-delete");
  panel.replaceChildren(
    element("p", { text: "Delete this memory? Its history is kept." }),
    yes,
    button("Cancel", () => panel.replaceChildren()),
  );
  yes.focus();
}

async function showHistory(item, memory) {
  const { events } = await call("GET", userPath(`/memories/${encodeURIComponent(memory.memory_id)}/history`), { query: scope() });
  const list = element("ol", { className: "events" });
  for (const event of events) {
    const entry = element("li");
    entry.append(element("strong", { text: event.action }), ` ${when(event.at)} by ${event.source}`);
    const diff = element("p", { className: "diff" });
    diff.append(...wordDiff(event.old_memory || "", event.new_memory || ""));
    entry.append(diff);
    list.append(entry);
  }
  item.querySelector(".panel").replaceChildren(element("h4", { text: "History" }), list, button("Close", () => item.querySelector(".panel").replaceChildren()));
}

// `before` and `after` as text, <del> and <ins> nodes: runs of words (and the spaces
// between them) outside their longest common subsequence of words.
function wordDiff(before, after) {
  const a = before.split(/(\s+)/).filter(Boolean);
  const b = after.split(/(\s+)/).filter(Boolean);
  const common = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i][j] = a[i] === b[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const runs = [];
  const add = (kind, token) => {
    const last = runs[runs.length - 1];
    if (last && last.kind === kind) last.text += token;
    else runs.push({ kind, text: token });
  };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      add("same", a[i]);
      i++;
      j++;
    } else if (i < a.length && (j === b.length || common[i + 1][j] >= common[i][j + 1])) {
      add("del", a[i++]);
    } else {
      add("ins", b[j++]);
    }
  }
  return runs.map(({ kind, text }) => (kind === "same" ? document.createTextNode(text) : element(kind, { text })));
}

// -- the user as a whole: preview, export, erase -------------------------------

async function previewPrompt() {
  const { prompt } = await call("POST", userPath("/prompt"), { query: scope(), body: { message: $("prompt-message").value } });
  const block = $("prompt-block");
  block.textContent = prompt;
  block.hidden = false;
}

async function exportMemories() {
  const data = await call("GET", userPath("/export"), { query: scope() });
  const link = element("a", {
    attrs: {
      href: URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" })),
      download: `${state.user}-memories.json`,
    },
  });
  link.click();
  URL.revokeObjectURL(link.href);
  say(`Exported ${data.memories ? data.memories.length : 0} memories.`);
}

async function eraseUser() {
  if ($("erase-confirm").value !== state.user) return;
  const erased = state.user;
  await call("POST", userPath("/erase"), { query: scope() });
  state.user = null;
  $("memories-panel").hidden = true;
  await loadUsers();
  say(`Erased ${erased}.`);
}

// -- wiring ---------------------------------------------------------------

function start() {
  $("api-key").value = sessionStorage.getItem(KEY_STORE) || "";
  $("key-form").addEventListener("submit", guarded(async () => {
    sessionStorage.setItem(KEY_STORE, $("api-key").value.trim());
    await loadUsers();
  }));
  $("forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORE);
    $("api-key").value = "";
    say("Key forgotten.");
  });
  $("scope-form").addEventListener("submit", guarded(async () => {
    state.user = null;  // another agent scope: its users first
    $("memories-panel").hidden = true;
    await loadUsers();
  }));
  $("user-form").addEventListener("submit", guarded(() => openUser($("user-id").value.trim())));
  $("search-form").addEventListener("submit", guarded(search));
  $("prompt-form").addEventListener("submit", guarded(previewPrompt));
  $("export").addEventListener("click", guarded(exportMemories));
  $("erase-confirm").addEventListener("input", () => {
    $("erase-button").disabled = $("erase-confirm").value !== state.user;
  });
  $("erase-form").addEventListener("submit", guarded(eraseUser));
  guarded(loadUsers)();
}

document.addEventListener("DOMContentLoaded", start);
