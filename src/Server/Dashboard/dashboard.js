// TaskFlow's dashboard: plain JavaScript, no build step. It calls the REST API with the key the operator signed in
// with (kept in sessionStorage, sent as "Authorization: ApiKey …"), and listens to /api/stream (server-sent events, read
// through fetch so the key travels in a header, not in the URL) to redraw what is on screen when anything changes.
"use strict";

const state = { key: sessionStorage.getItem("taskflow-key"), overview: null, history: [], stream: null };
const main = document.getElementById("main");

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value); else node.setAttribute(name, value);
  }
  for (const child of children.flat()) node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { Authorization: `ApiKey ${state.key}`, ...(options.body ? { "Content-Type": "application/json" } : {}), ...options.headers },
  });
  if (response.status === 401) { signOut("The key is not valid (unknown, revoked or expired)."); throw new Error("unauthorized"); }
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.detail ?? body?.title ?? `HTTP ${response.status}`);
  return body;
}

// The task statuses, in lifecycle order, from the server (GET /api/statuses): the dashboard keeps no list of its own.
let statusesLoaded = null;
function statuses() {
  statusesLoaded ??= api("/api/statuses").catch(error => { statusesLoaded = null; throw error; });
  return statusesLoaded;
}

function signOut(message) {
  sessionStorage.removeItem("taskflow-key");
  state.key = null;
  state.stream?.abort();
  location.hash = "";
  location.reload();
  if (message) sessionStorage.setItem("taskflow-login-error", message);
}

// Server-sent events over fetch: each "overview" event redraws the current page from fresh data.
async function listen() {
  state.stream = new AbortController();
  const live = document.getElementById("live");
  try {
    const response = await fetch("/api/stream", { headers: { Authorization: `ApiKey ${state.key}` }, signal: state.stream.signal });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    live.classList.add("on");
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = message.split("\n").filter(line => line.startsWith("data: ")).map(line => line.slice(6)).join("\n");
        if (data) onOverview(JSON.parse(data));
      }
    }
  } catch (error) {
    if (state.stream.signal.aborted) return;
  }
  live.classList.remove("on");
  setTimeout(listen, 2000); // the stream ended (server restart): reconnect
}

function onOverview(overview) {
  const previous = state.overview;
  state.overview = overview;
  if (previous) {
    const seconds = (new Date(overview.at) - new Date(previous.at)) / 1000 || 1;
    state.history.push({
      succeeded: Math.max(0, (overview.counts.succeeded - previous.counts.succeeded) / seconds),
      failed: Math.max(0, (overview.counts.failed - previous.counts.failed) / seconds),
    });
    state.history = state.history.slice(-120);
  }
  route(true);
}

function chart(values, label) {
  const peak = Math.max(0, ...values);
  const max = Math.max(1, peak);
  const points = values.map((v, i) => `${(i / Math.max(1, values.length - 1)) * 600},${110 - (v / max) * 100}`).join(" ");
  return el("div", { class: "card" }, el("h3", {}, `${label} (now ${(values.at(-1) ?? 0).toFixed(1)}/s, peak ${peak.toFixed(1)}/s over the last ${values.length} s)`),
    new DOMParser().parseFromString(
      `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 600 120" preserveAspectRatio="none"><polyline fill="none" stroke="#0b5cad" stroke-width="2" points="${points}"/></svg>`,
      "image/svg+xml").documentElement);
}

function statusCell(status) { return el("td", { class: `status-${status}`, "data-status": status }, status); }

function taskRows(tasks) {
  return el("table", { id: "task-table" },
    el("tr", {}, el("th", {}, "Id"), el("th", {}, "Type"), el("th", {}, "Status"), el("th", {}, "Created"), el("th", {}, "Attempt")),
    tasks.map(task => el("tr", { "data-id": task.id },
      el("td", {}, el("a", { href: `#/tasks/${encodeURIComponent(task.id)}` }, task.id)), el("td", {}, task.type), statusCell(task.status),
      el("td", {}, new Date(task.createdAt).toLocaleString()), el("td", {}, `${task.attempt}/${task.maxAttempts}`))));
}

// A worker that stopped said so; one whose heartbeat is older than the lease window is presumed dead ("lost").
function workerState(worker) { return worker.stoppedAt ? "stopped" : worker.lost ? "lost" : "alive"; }

function overviewPage() {
  const o = state.overview;
  if (!o) return [el("p", {}, "Waiting for the first update…")];
  const counts = Object.entries(o.counts).map(([status, count]) => el("div", { class: "stat", "data-count": status }, status, el("b", {}, String(count))));
  return [
    el("h1", {}, "Overview"),
    el("div", { class: "grid" }, counts,
      el("div", { class: "stat" }, "ready backlog", el("b", { id: "ready" }, String(o.queue.ready))),
      el("div", { class: "stat" }, "oldest ready", el("b", {}, `${o.queue.oldestReadyAgeSeconds.toFixed(1)} s`))),
    chart(state.history.map(h => h.succeeded), "Succeeded per second"),
    chart(state.history.map(h => h.failed), "Failed per second"),
    el("h2", {}, "Recent tasks"),
    taskRows(o.recent),
    el("h2", {}, "Workers"),
    el("table", { id: "workers" }, el("tr", {}, el("th", {}, "Worker"), el("th", {}, "Role"), el("th", {}, "Started"), el("th", {}, "Last heartbeat"), el("th", {}, "State")),
      o.workers.slice(0, 20).map(w => el("tr", {}, el("td", {}, w.id), el("td", {}, w.role), el("td", {}, new Date(w.startedAt).toLocaleString()),
        el("td", {}, new Date(w.heartbeatAt).toLocaleString()), el("td", { class: `worker-${workerState(w)}` }, workerState(w))))),
  ];
}

async function tasksPage(query) {
  const params = new URLSearchParams(query);
  const filters = el("form", { class: "filters", id: "filters", onsubmit: event => {
    event.preventDefault();
    const form = new FormData(event.target);
    const next = new URLSearchParams([...form].filter(([, v]) => v));
    location.hash = `#/tasks?${next}`;
  } },
    el("select", { name: "status", id: "filter-status" }, el("option", { value: "" }, "any status"),
      (await statuses()).map(({ name }) => {
        const option = el("option", { value: name }, name); if (params.get("status") === name) option.selected = true; return option; })),
    el("input", { name: "type", id: "filter-type", placeholder: "type", value: params.get("type") ?? "" }),
    el("input", { name: "tag", id: "filter-tag", placeholder: "tag name:value", value: params.get("tag") ?? "" }),
    el("button", { type: "submit" }, "Filter"));
  const page = await api(`/api/tasks?${params}`);
  const more = page.nextCursor
    ? el("a", { href: `#/tasks?${new URLSearchParams({ ...Object.fromEntries(params), cursor: page.nextCursor })}` }, "Next page →") : "";
  const table = taskRows(page.items);
  table.dataset.query = params.toString(); // which list this is (tests wait for it)
  return [el("h1", {}, "Tasks"), filters, table, more];
}

async function taskPage(id) {
  const [task, history, known] = await Promise.all([
    api(`/api/tasks/${encodeURIComponent(id)}`), api(`/api/tasks/${encodeURIComponent(id)}/history`), statuses()]);
  // Buttons the task's status rules out are disabled; the API refuses them anyway (409), and says why.
  const finished = known.some(status => status.name === task.status && status.finished);
  const act = (label, path, enabled) => el("button", { type: "button", id: `action-${label.toLowerCase()}`, ...(enabled ? {} : { disabled: "" }), onclick: async () => {
    try { await api(path, { method: "POST" }); route(true); } catch (error) { alert(error.message); }
  } }, label);
  const json = value => el("pre", {}, value === null || value === undefined ? "—" : JSON.stringify(value, null, 2));
  return [
    el("h1", {}, `Task ${task.id}`),
    el("div", { class: "card" },
      el("p", {}, "Type ", el("b", {}, task.type), " · status ", el("b", { id: "task-status", class: `status-${task.status}` }, task.status),
        ` · attempt ${task.attempt}/${task.maxAttempts} · execution ${task.execution}`),
      task.activities ? el("p", { id: "progress" }, `Activities: ${task.activities.completed} completed, ${task.activities.failed} failed of ${task.activities.scheduled} scheduled`) : "",
      act("Cancel", `/api/tasks/${encodeURIComponent(id)}/cancel`, !finished),
      act("Retry", `/api/tasks/${encodeURIComponent(id)}/retry`, task.status === "failed" || task.status === "cancelled"),
      el("input", { id: "event-name", placeholder: "event name" }),
      el("input", { id: "event-data", placeholder: "data (JSON, e.g. true)" }),
      el("button", { type: "button", id: "action-raise-event", ...(finished ? { disabled: "" } : {}), onclick: async () => {
        const name = document.getElementById("event-name").value.trim();
        const data = document.getElementById("event-data").value.trim() || "null";
        try {
          if (!name) throw new Error("Name the event to raise.");
          JSON.parse(data); // say so here rather than send what the API would refuse
          await api(`/api/tasks/${encodeURIComponent(id)}/events/${encodeURIComponent(name)}`, { method: "POST", body: data });
          route(true);
        } catch (error) { alert(error instanceof SyntaxError ? `The event data is not JSON: ${error.message}` : error.message); }
      } }, "Raise event")),
    el("div", { class: "card" }, el("h3", {}, "Input"), json(task.input), el("h3", {}, "Output"), json(task.output),
      el("h3", {}, "Error"), json(task.error), el("h3", {}, "Custom status"), json(task.customStatus)),
    el("h2", {}, "History"),
    el("ol", { class: "timeline", id: "timeline" }, history.map(e => el("li", {},
      el("b", {}, e.type), ` ${new Date(e.timestamp).toLocaleTimeString()} by ${e.actor}`, e.payload ? el("pre", {}, JSON.stringify(e.payload)) : ""))),
  ];
}

async function deadLetterPage() {
  const page = await api("/api/dead-letter");
  const table = taskRows(page.items);
  table.querySelectorAll("tr[data-id]").forEach(row => row.append(el("td", {}, el("button", { type: "button", onclick: async () => {
    await api(`/api/tasks/${encodeURIComponent(row.dataset.id)}/retry`, { method: "POST" }); route(true);
  } }, "Retry"))));
  return [el("h1", {}, "Dead letter"), table];
}

async function schedulesPage() {
  // The list holds each schedule's next fire time; its own page adds the next few and the runs it started.
  const names = (await api("/api/schedules")).map(s => s.name);
  const schedules = await Promise.all(names.map(name => api(`/api/schedules/${encodeURIComponent(name)}`)));
  const button = (name, verb) => el("button", { type: "button", onclick: async () => {
    await api(`/api/schedules/${encodeURIComponent(name)}/${verb}`, { method: "POST" }); route(true);
  } }, verb);
  return [el("h1", {}, "Schedules"), el("table", {},
    el("tr", {}, el("th", {}, "Name"), el("th", {}, "Cron"), el("th", {}, "Next"), el("th", {}, "Recent runs"), el("th", {}, "")),
    schedules.map(s => el("tr", { "data-schedule": s.name }, el("td", {}, s.name), el("td", {}, `${s.cron} (${s.timeZone})${s.paused ? " · paused" : ""}`),
      el("td", { class: "next" }, (s.nextFireTimes ?? []).slice(0, 3).map(t => new Date(t).toLocaleString()).join(", ")),
      el("td", { class: "runs" }, (s.recentRuns ?? []).slice(0, 3).map(r => el("div", {}, el("a", { href: `#/tasks/${encodeURIComponent(r.taskId)}` }, r.taskId)))),
      el("td", {}, button(s.name, s.paused ? "resume" : "pause"), button(s.name, "trigger")))))];
}

// Durable entities: state, lock owner and backlog, and a form to signal one (its operations run on the workers).
async function entitiesPage(query) {
  const params = new URLSearchParams(query);
  const page = await api(`/api/entities?${params}`);
  const more = page.next ? el("a", { href: `#/entities?${new URLSearchParams({ ...Object.fromEntries(params), after: page.next })}` }, "Next page →") : "";
  const signal = el("form", { class: "filters", id: "signal-form", onsubmit: async event => {
    event.preventDefault();
    const form = Object.fromEntries(new FormData(event.target));
    try {
      const input = form.input.trim() ? JSON.parse(form.input) : undefined; // say so here rather than send what the API would refuse
      await api(`/api/entities/${encodeURIComponent(form.name)}/${encodeURIComponent(form.key)}/signals`,
        { method: "POST", body: JSON.stringify({ operation: form.operation, input }) });
      route(true);
    } catch (error) { alert(error instanceof SyntaxError ? `The input is not JSON: ${error.message}` : error.message); }
  } },
    el("input", { name: "name", id: "signal-name", placeholder: "entity name", required: "" }),
    el("input", { name: "key", id: "signal-key", placeholder: "key", required: "" }),
    el("input", { name: "operation", id: "signal-operation", placeholder: "operation", required: "" }),
    el("input", { name: "input", id: "signal-input", placeholder: "input (JSON, optional)" }),
    el("button", { type: "submit" }, "Signal"));
  return [el("h1", {}, "Entities"), signal, el("table", { id: "entity-table" },
    el("tr", {}, el("th", {}, "Name"), el("th", {}, "Key"), el("th", {}, "State"), el("th", {}, "Locked by"), el("th", {}, "Queued"),
      el("th", {}, "Scheduled"), el("th", {}, "Last modified")),
    page.items.map(e => el("tr", { "data-entity": e.id }, el("td", {}, e.name), el("td", {}, e.key),
      el("td", { class: "state" }, el("code", {}, e.state === null ? "—" : JSON.stringify(e.state))),
      el("td", {}, e.lockedBy ? el("a", { href: `#/tasks/${encodeURIComponent(e.lockedBy)}` }, e.lockedBy) : "—"),
      el("td", { class: "queued" }, String(e.queuedOperations)), el("td", {}, String(e.scheduledOperations)),
      el("td", {}, new Date(e.lastModifiedAt).toLocaleString())))), more];
}

// Global limits: each with its keys' slots in use, work waiting and tokens left, and a form to set one (operators).
async function limitsPage() {
  const { limits } = await api("/api/limits");
  const path = form => form.scope === "tag" ? `/api/limits/tags/${encodeURIComponent(form.name)}` : `/api/limits/${encodeURIComponent(form.name)}`;
  const set = el("form", { class: "filters", id: "limit-form", onsubmit: async event => {
    event.preventDefault();
    const form = Object.fromEntries(new FormData(event.target));
    const body = {};
    if (form.maxConcurrent.trim()) body.maxConcurrent = Number(form.maxConcurrent);
    if (form.perSecond.trim()) body.rate = { perSecond: Number(form.perSecond), ...(form.burst.trim() ? { burst: Number(form.burst) } : {}) };
    try { await api(path(form), { method: "PUT", body: JSON.stringify(body) }); route(true); } catch (error) { alert(error.message); }
  } },
    el("select", { name: "scope", id: "limit-scope" }, el("option", { value: "activity" }, "activity"), el("option", { value: "tag" }, "tag")),
    el("input", { name: "name", id: "limit-name", placeholder: "activity or tag name", required: "" }),
    el("input", { name: "maxConcurrent", id: "limit-max", placeholder: "max concurrent" }),
    el("input", { name: "perSecond", id: "limit-rate", placeholder: "per second" }),
    el("input", { name: "burst", id: "limit-burst", placeholder: "burst" }),
    el("button", { type: "submit" }, "Set"));
  const remove = l => el("button", { type: "button", onclick: async () => {
    await api(path(l), { method: "DELETE" }); route(true);
  } }, "remove");
  const sum = (l, field) => l.keys.reduce((total, k) => total + k[field], 0);
  return [el("h1", {}, "Limits"), set, el("table", { id: "limit-table" },
    el("tr", {}, el("th", {}, "Limit"), el("th", {}, "Max concurrent"), el("th", {}, "Rate"), el("th", {}, "Running"), el("th", {}, "Waiting"),
      el("th", {}, "Keys"), el("th", {}, "Set by"), el("th", {}, "")),
    limits.map(l => el("tr", { "data-limit": `${l.scope}:${l.name}` }, el("td", {}, `${l.scope} ${l.name}`),
      el("td", {}, l.maxConcurrent ?? "—"), el("td", {}, l.rate ? `${l.rate.perSecond}/s, burst ${l.rate.burst}` : "—"),
      el("td", { class: "running" }, String(sum(l, "running"))), el("td", { class: "waiting" }, String(sum(l, "waiting"))),
      el("td", {}, l.keys.slice(0, 5).map(k => el("div", {}, `${k.key}: ${k.running} running, ${k.waiting} waiting`))),
      el("td", {}, `${l.updatedBy} ${new Date(l.updatedAt).toLocaleString()}`), el("td", {}, remove(l)))))];
}

// Each draw fetches, then draws only if no newer one (a click, the next live update) started meanwhile.
let generation = 0;
async function route(live = false) {
  if (!state.key) return;
  const mine = ++generation;
  try {
    const [path, query] = (location.hash.slice(1) || "/").split("?");
    const parts = path.split("/").filter(Boolean);
    const content = parts[0] === "tasks" && parts[1] ? await taskPage(decodeURIComponent(parts[1]))
      : parts[0] === "tasks" ? await tasksPage(query ?? "")
      : parts[0] === "dead-letter" ? await deadLetterPage()
      : parts[0] === "schedules" ? await schedulesPage()
      : parts[0] === "entities" ? await entitiesPage(query ?? "")
      : parts[0] === "limits" ? await limitsPage()
      : overviewPage();
    if (mine !== generation) return;
    // A live redraw keeps what the operator is typing.
    const next = el("main", {}, ...content);
    if (live && next.innerHTML === main.innerHTML) return; // nothing changed: keep the page as it is
    const typed = live ? [...main.querySelectorAll("input[id], select[id]")].map(input => [input.id, input.value]) : [];
    const focused = live ? document.activeElement?.id : null;
    main.replaceChildren(...next.childNodes);
    for (const [id, value] of typed) { const input = document.getElementById(id); if (input) input.value = value; }
    if (focused) document.getElementById(focused)?.focus();
  } catch (error) {
    if (mine === generation && error.message !== "unauthorized") main.replaceChildren(el("p", { class: "error" }, error.message));
  }
}

document.getElementById("login").addEventListener("submit", async event => {
  event.preventDefault();
  state.key = document.getElementById("key").value.trim();
  try {
    await api("/api/tasks/counts");
    sessionStorage.setItem("taskflow-key", state.key);
    start();
  } catch (error) {
    document.getElementById("login-error").textContent = error.message === "unauthorized" ? "That key is not valid." : error.message;
    state.key = null;
  }
});
document.getElementById("logout").addEventListener("click", () => signOut());
document.getElementById("login-error").textContent = sessionStorage.getItem("taskflow-login-error") ?? "";
sessionStorage.removeItem("taskflow-login-error");

function start() {
  document.getElementById("nav").hidden = false;
  window.addEventListener("hashchange", () => route());
  route();
  listen();
}

if (state.key) start();
