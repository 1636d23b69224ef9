// WebChat page: connects to the gateway at this page's own origin (never anywhere else) and shows
// the main session's conversation (the shared chat view). While the gateway keeps this browser out
// it shows the shared panels instead: waiting for approval, or the gateway token form.

import "../shared/theme.css";
import "../shared/chat/chat.css";
import "../shared/gate.css";
import "./style.css";
import { render } from "lit";
import { cryptoAvailable, messageNodes, pageClient, pageStorage } from "../shared/page.js";
import { ChatView } from "../shared/chat/view.js";
import { Gate, gateView, shownStatus, statusText } from "../shared/gate.js";
import { SecretStore } from "../shared/secret.js";
import type { ConnectionStatus } from "@clawdbot/protocol/browser";

const SESSION_KEY = "main";
const SECRET_KEY = "clawdbot.webchat.gatewayAuth";

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const ui = { status: $("status"), statusText: $("status-text"), notice: $("notice"), gate: $("gate"), main: $("chat") };

const storage = pageStorage();
const secrets = new SecretStore(storage, location.origin, SECRET_KEY);
const gate = new Gate(secrets);

function showStatus(s: ConnectionStatus): void {
  gate.onStatus(s);
  const st = gate.state(client.deviceId);
  ui.status.dataset["state"] = s.state;
  ui.status.dataset["code"] = s.code ?? "";
  ui.statusText.textContent = statusText(shownStatus(st));
  if (s.state === "connected" || gate.shown) clearNotice("connection");
  else if (s.message) showNotice(s.message, "connection", s.code);
  render(gateView(st, actions) ?? "", ui.gate);
  ui.gate.hidden = !gate.shown;
  ui.main.hidden = gate.shown;
  chat?.update();
}

const actions = {
  submitSecret: (kind: "token" | "password", value: string) => {
    secrets.saveSecret(kind, value);
    client.reconnectNow();
  },
};

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
  storage,
  client: { id: "webchat-ui", version: "0.1.0", platform: navigator.platform || "web", mode: "webchat" },
  role: "operator",
  scopes: ["operator.read", "operator.write"],
  pageName: "WebChat",
  secret: gate.secret,
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
