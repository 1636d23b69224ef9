// WebChat page: connects to the gateway at this page's own origin (never anywhere else), shows
// the main session's history, sends messages and renders replies as they stream.

import { GatewayClient } from "./client.js";
import { uuid } from "./identity.js";
import { Transcript } from "./transcript.js";

const SESSION_KEY = "main";
const HISTORY_LIMIT = 200;

const $ = (id) => document.getElementById(id);
const ui = {
  status: $("status"),
  statusText: $("status-text"),
  notice: $("notice"),
  messages: $("messages"),
  empty: $("empty"),
  form: $("composer"),
  input: $("input"),
  send: $("send"),
  abort: $("abort"),
};

const transcript = new Transcript(SESSION_KEY);
const nodes = new Map();
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
let historyLoads = 0;

/** The socket URL comes from this page's location only: the query string and hash are never read. */
function ownSocketUrl() {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/`;
}

/** localStorage, or a memory stand-in where the browser refuses it (the identity then lasts one visit). */
function pageStorage() {
  try {
    const s = window.localStorage;
    s.setItem("clawdbot.webchat.probe", "1");
    s.removeItem("clawdbot.webchat.probe");
    return s;
  } catch {
    const m = new Map();
    return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k) };
  }
}

// ---- status and notices ----

const STATUS_TEXT = { connecting: "Connecting…", connected: "Connected", disconnected: "Disconnected" };

function showStatus(s) {
  ui.status.dataset.state = s.state;
  const retry = s.state === "disconnected" && s.retryInMs !== undefined ? ` — retrying in ${Math.max(1, Math.round(s.retryInMs / 1000))} s` : "";
  ui.statusText.textContent = STATUS_TEXT[s.state] + retry;
  if (s.state === "connected") clearNotice("connection");
  else if (s.message) showNotice(s.message, "connection", s.code);
  updateComposer();
}

/** Shows a message verbatim; `text` in backticks renders as code (the gateway quotes commands that way). */
function showNotice(message, source, code) {
  ui.notice.replaceChildren(
    ...String(message)
      .split("`")
      .map((part, i) => {
        if (i % 2 === 0) return document.createTextNode(part);
        const c = document.createElement("code");
        c.textContent = part;
        return c;
      }),
  );
  ui.notice.dataset.source = source;
  if (code) ui.notice.dataset.code = code;
  else delete ui.notice.dataset.code;
  ui.notice.hidden = false;
}

function clearNotice(source) {
  if (ui.notice.dataset.source !== source) return;
  ui.notice.hidden = true;
  ui.notice.replaceChildren();
}

// ---- rendering ----

const WHO = { user: "You", assistant: "Assistant", system: "System" };
const NOTES = { sending: "sending…", streaming: "writing…", failed: "not sent", aborted: "stopped", error: "failed" };

function messageNode() {
  const el = document.createElement("article");
  el.className = "msg";
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  const meta = document.createElement("footer");
  meta.className = "meta";
  el.append(bubble, meta);
  return el;
}

function fill(el, item) {
  el.dataset.role = item.role;
  el.dataset.state = item.state;
  const [bubble, meta] = el.children;
  const typing = item.text === "" && (item.state === "pending" || item.state === "streaming");
  if (bubble.textContent !== item.text || typing !== bubble.classList.contains("typing")) {
    bubble.textContent = item.text;
    bubble.classList.toggle("typing", typing);
    if (typing) bubble.setAttribute("aria-label", "Assistant is typing");
    else bubble.removeAttribute("aria-label");
  }
  const parts = [WHO[item.role] ?? item.role];
  if (typeof item.timestamp === "number") parts.push(timeFormat.format(item.timestamp));
  const note = item.errorMessage ?? NOTES[item.state];
  if (note) parts.push(note);
  const text = parts.join(" · ");
  if (meta.textContent !== text) meta.textContent = text;
}

function render() {
  const list = ui.messages;
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const items = transcript.items();
  const keep = new Set();
  let prev = ui.empty;
  for (const item of items) {
    let el = nodes.get(item.key);
    if (!el) nodes.set(item.key, (el = messageNode()));
    fill(el, item);
    if (prev.nextSibling !== el) list.insertBefore(el, prev.nextSibling);
    prev = el;
    keep.add(item.key);
  }
  for (const [key, el] of nodes) {
    if (keep.has(key)) continue;
    el.remove();
    nodes.delete(key);
  }
  ui.empty.hidden = items.length > 0;
  if (nearBottom) list.scrollTop = list.scrollHeight;
  updateComposer();
}

function updateComposer() {
  ui.send.disabled = !client.connected || ui.input.value.trim() === "";
  ui.abort.hidden = !transcript.active();
  ui.abort.disabled = !client.connected;
}

function autosize() {
  ui.input.style.height = "auto";
  ui.input.style.height = `${Math.min(ui.input.scrollHeight, 240)}px`;
}

// ---- gateway ----

async function loadHistory() {
  const load = ++historyLoads;
  try {
    const res = await client.request("chat.history", { sessionKey: SESSION_KEY, limit: HISTORY_LIMIT });
    if (load !== historyLoads) return;
    transcript.setHistory(Array.isArray(res?.messages) ? res.messages : []);
    clearNotice("history");
    render();
    ui.messages.scrollTop = ui.messages.scrollHeight;
  } catch (err) {
    if (err.code !== "DISCONNECTED") showNotice(`Could not load the conversation: ${err.message}`, "history", err.code);
    return;
  }
  await settleMissedRuns();
}

const WAIT_STATES = { ok: "final", aborted: "aborted", error: "error", timeout: "error" };

/** Replies that were running when the connection dropped: ask how they ended (events are never replayed). */
async function settleMissedRuns() {
  for (const runId of transcript.activeRunIds()) {
    let settled = false;
    try {
      const res = await client.request("agent.wait", { runId, timeoutMs: 0 });
      const state = WAIT_STATES[res?.status];
      if (state) settled = transcript.settle(runId, state, { text: res.text, errorMessage: res.error });
    } catch (err) {
      if (err.code === "NOT_FOUND") {
        settled = transcript.settle(runId, "error", { errorMessage: "this reply was lost (the gateway restarted)" });
      }
    }
    if (settled) render();
  }
}

async function deliver(item) {
  try {
    const res = await client.request("chat.send", { sessionKey: SESSION_KEY, message: item.text, idempotencyKey: item.idempotencyKey });
    transcript.sent(item, res.runId);
  } catch (err) {
    // Lost with the connection: sent again after reconnecting, with the same idempotency key.
    if (err.code === "DISCONNECTED") return;
    transcript.failed(item, `not sent: ${err.message}`);
    showNotice(err.message, "send", err.code);
  }
  render();
}

function onChatEvent(payload) {
  const change = transcript.apply(payload);
  if (!change) return;
  render();
  // A reply to someone else's message (another tab, a channel): the history has that message.
  if (change.finished && !change.run.own) void loadHistory();
}

const client = new GatewayClient({
  url: ownSocketUrl(),
  WebSocket: window.WebSocket,
  nacl: window.nacl,
  storage: pageStorage(),
  client: { id: "webchat-ui", version: "0.1.0", platform: navigator.platform || "web", mode: "webchat" },
  role: "operator",
  scopes: ["operator.read", "operator.write"],
  onStatus: showStatus,
  onHello: async () => {
    await loadHistory();
    for (const item of transcript.unsent()) void deliver(item);
  },
  onEvent: (event, payload) => {
    if (event === "chat") onChatEvent(payload);
  },
});

// ---- input ----

function submit() {
  const text = ui.input.value.trim();
  if (text === "" || !client.connected) return;
  ui.input.value = "";
  autosize();
  clearNotice("send");
  const item = transcript.addOwn(text, uuid());
  render();
  ui.messages.scrollTop = ui.messages.scrollHeight;
  void deliver(item);
}

ui.form.addEventListener("submit", (e) => {
  e.preventDefault();
  submit();
});

ui.input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    submit();
  }
});

ui.input.addEventListener("input", () => {
  autosize();
  updateComposer();
});

ui.abort.addEventListener("click", async () => {
  ui.abort.disabled = true;
  try {
    await client.request("chat.abort", { sessionKey: SESSION_KEY });
  } catch (err) {
    showNotice(`Could not stop the reply: ${err.message}`, "abort", err.code);
  }
  updateComposer();
});

window.addEventListener("online", () => client.reconnectNow());

if (!window.nacl?.sign) {
  showStatus({ state: "disconnected", message: "WebChat could not load its crypto library (/webchat/nacl.min.js). Reload the page." });
} else {
  client.start();
  ui.input.focus();
}
