// WebChat page: connects to the gateway at this page's own origin (never anywhere else) and shows
// the main session's conversation (the shared chat view).

import "../shared/theme.css";
import "../shared/chat/chat.css";
import "./style.css";
import { cryptoAvailable, messageNodes, pageClient, pageStorage } from "../shared/page.js";
import { ChatView } from "../shared/chat/view.js";
import type { ConnectionStatus } from "@clawdbot/protocol/browser";

const SESSION_KEY = "main";

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const ui = { status: $("status"), statusText: $("status-text"), notice: $("notice"), main: $("chat") };

const STATUS_TEXT = { connecting: "Connecting…", connected: "Connected", disconnected: "Disconnected" };

function showStatus(s: ConnectionStatus): void {
  ui.status.dataset["state"] = s.state;
  const retry = s.state === "disconnected" && s.retryInMs !== undefined ? ` — retrying in ${Math.max(1, Math.round(s.retryInMs / 1000))} s` : "";
  ui.statusText.textContent = STATUS_TEXT[s.state] + retry;
  if (s.state === "connected") clearNotice("connection");
  else if (s.message) showNotice(s.message, "connection", s.code);
  chat?.update();
}

/** Shows a message verbatim; `text` in backticks renders as code. */
function showNotice(message: string, source: string, code?: string): void {
  ui.notice.replaceChildren(...messageNodes(message));
  ui.notice.dataset["source"] = source;
  if (code) ui.notice.dataset["code"] = code;
  else delete ui.notice.dataset["code"];
  ui.notice.hidden = false;
}

function clearNotice(source: string): void {
  if (ui.notice.dataset["source"] !== source) return;
  ui.notice.hidden = true;
  ui.notice.replaceChildren();
}

let chat: ChatView | undefined;

const client = pageClient({
  identityPrefix: "clawdbot.webchat",
  storage: pageStorage(),
  client: { id: "webchat-ui", version: "0.1.0", platform: navigator.platform || "web", mode: "webchat" },
  role: "operator",
  scopes: ["operator.read", "operator.write"],
  pageName: "WebChat",
  onStatus: showStatus,
  onHello: () => void chat?.connected(),
});

chat = new ChatView({ client, sessionKey: SESSION_KEY, notice: showNotice, clearNotice });
ui.main.append(chat.element);
window.addEventListener("online", () => client.reconnectNow());

if (!cryptoAvailable()) {
  showStatus({ state: "disconnected", message: "This browser cannot make a device key (no crypto.getRandomValues). Use a current browser." });
} else {
  client.start();
  chat.focus();
}
