// The conversation of one session: history, own messages, replies as they stream, a composer with
// Send and Stop. Plain DOM, text only (message text is set with textContent, never parsed as HTML).
// WebChat shows it as its whole page; the Control UI shows it on its Chat page.

import { uuid, type BrowserGatewayClient, type GatewayRequestError } from "@clawdbot/protocol/browser";
import { Transcript, type Item, type ItemState, type OwnItem } from "./transcript.js";

const HISTORY_LIMIT = 200;
const WHO: Record<string, string> = { user: "You", assistant: "Assistant", system: "System" };
const NOTES: Partial<Record<ItemState, string>> = { sending: "sending…", streaming: "writing…", failed: "not sent", aborted: "stopped", error: "failed" };
const WAIT_STATES: Record<string, ItemState> = { ok: "final", aborted: "aborted", error: "error", timeout: "error" };

export interface ChatViewOptions {
  client: BrowserGatewayClient;
  sessionKey: string;
  /** Shows a problem to the person (`source` lets a later success clear it). */
  notice: (message: string, source: string, code?: string) => void;
  clearNotice: (source: string) => void;
  placeholder?: string;
}

/** Builds an element: `h("p", {className: "x"}, child…)`. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children);
  return el;
}

export class ChatView {
  /** The view's root: the message log and the composer. */
  readonly element: HTMLElement;
  private readonly transcript: Transcript;
  private readonly nodes = new Map<string, HTMLElement>();
  private readonly timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  private readonly messages: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly abortButton: HTMLButtonElement;
  private historyLoads = 0;

  constructor(private readonly opts: ChatViewOptions) {
    this.transcript = new Transcript(opts.sessionKey);
    this.empty = h("p", { id: "empty", className: "empty" }, "No messages yet. Say hello.");
    this.messages = h("div", { id: "messages", className: "messages", tabIndex: 0 }, this.empty);
    this.messages.setAttribute("role", "log");
    this.messages.setAttribute("aria-label", "Conversation");
    this.messages.setAttribute("aria-live", "polite");
    this.input = h("textarea", { id: "input", name: "message", rows: 1, placeholder: opts.placeholder ?? "Message Clawdbot…", maxLength: 100_000 });
    this.input.setAttribute("enterkeyhint", "send");
    this.input.setAttribute("aria-describedby", "chat-hint");
    this.abortButton = h("button", { id: "abort", type: "button", className: "button secondary", hidden: true }, "Stop");
    this.sendButton = h("button", { id: "send", type: "submit", className: "button primary", disabled: true }, "Send");
    const form = h(
      "form",
      { id: "composer", className: "composer", autocomplete: "off" },
      h("label", { htmlFor: "input", className: "visually-hidden" }, "Message"),
      this.input,
      this.abortButton,
      this.sendButton,
      h("p", { id: "chat-hint", className: "visually-hidden" }, "Enter sends, Shift+Enter starts a new line."),
    );
    this.element = h("div", { className: "chat" }, this.messages, form);
    this.wire(form);
    opts.client.on("chat", (payload) => this.onChatEvent(payload));
  }

  /** Call on every hello-ok: loads the history and sends what could not be sent while offline. */
  async connected(): Promise<void> {
    await this.loadHistory();
    for (const item of this.transcript.unsent()) void this.deliver(item);
  }

  /** Call on every connection status change (Send and Stop follow it). */
  update(): void {
    const connected = this.opts.client.connected;
    this.sendButton.disabled = !connected || this.input.value.trim() === "";
    this.abortButton.hidden = !this.transcript.active();
    this.abortButton.disabled = !connected;
  }

  focus(): void {
    this.input.focus();
  }

  private wire(form: HTMLFormElement): void {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => {
      this.autosize();
      this.update();
    });
    this.abortButton.addEventListener("click", () => void this.abort());
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (text === "" || !this.opts.client.connected) return;
    this.input.value = "";
    this.autosize();
    this.opts.clearNotice("send");
    const item = this.transcript.addOwn(text, uuid());
    this.render();
    this.messages.scrollTop = this.messages.scrollHeight;
    void this.deliver(item);
  }

  private async abort(): Promise<void> {
    this.abortButton.disabled = true;
    try {
      await this.opts.client.call("chat.abort", { sessionKey: this.opts.sessionKey });
    } catch (err) {
      const e = err as GatewayRequestError;
      this.opts.notice(`Could not stop the reply: ${e.message}`, "abort", e.code);
    }
    this.update();
  }

  private async loadHistory(): Promise<void> {
    const load = ++this.historyLoads;
    try {
      const res = await this.opts.client.call("chat.history", { sessionKey: this.opts.sessionKey, limit: HISTORY_LIMIT });
      if (load !== this.historyLoads) return;
      this.transcript.setHistory(Array.isArray(res?.messages) ? res.messages : []);
      this.opts.clearNotice("history");
      this.render();
      this.messages.scrollTop = this.messages.scrollHeight;
    } catch (err) {
      const e = err as GatewayRequestError;
      if (e.code !== "DISCONNECTED") this.opts.notice(`Could not load the conversation: ${e.message}`, "history", e.code);
      return;
    }
    await this.settleMissedRuns();
  }

  /** Replies that were running when the connection dropped: ask how they ended (events are never replayed). */
  private async settleMissedRuns(): Promise<void> {
    for (const runId of this.transcript.activeRunIds()) {
      let settled = false;
      try {
        const res = await this.opts.client.call("agent.wait", { runId, timeoutMs: 0 });
        const state = WAIT_STATES[res.status];
        if (state) settled = this.transcript.settle(runId, state, { text: res.text, errorMessage: res.error });
      } catch (err) {
        if ((err as GatewayRequestError).code === "NOT_FOUND") {
          settled = this.transcript.settle(runId, "error", { errorMessage: "this reply was lost (the gateway restarted)" });
        }
      }
      if (settled) this.render();
    }
  }

  private async deliver(item: OwnItem): Promise<void> {
    try {
      const res = await this.opts.client.call("chat.send", { sessionKey: this.opts.sessionKey, message: item.text, idempotencyKey: item.idempotencyKey });
      this.transcript.sent(item, res.runId);
    } catch (err) {
      const e = err as GatewayRequestError;
      // Lost with the connection: sent again after reconnecting, with the same idempotency key.
      if (e.code === "DISCONNECTED") return;
      this.transcript.failed(item, `not sent: ${e.message}`);
      this.opts.notice(e.message, "send", e.code);
    }
    this.render();
  }

  private onChatEvent(payload: Parameters<Transcript["apply"]>[0]): void {
    const change = this.transcript.apply(payload);
    if (!change) return;
    this.render();
    // A reply to someone else's message (another tab, a channel): the history has that message.
    if (change.finished && !change.run.own) void this.loadHistory();
  }

  private render(): void {
    const list = this.messages;
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    const items = this.transcript.items();
    const keep = new Set<string>();
    let prev: Node = this.empty;
    for (const item of items) {
      let el = this.nodes.get(item.key);
      if (!el) this.nodes.set(item.key, (el = messageNode()));
      this.fill(el, item);
      if (prev.nextSibling !== el) list.insertBefore(el, prev.nextSibling);
      prev = el;
      keep.add(item.key);
    }
    for (const [key, el] of this.nodes) {
      if (keep.has(key)) continue;
      el.remove();
      this.nodes.delete(key);
    }
    this.empty.hidden = items.length > 0;
    if (nearBottom) list.scrollTop = list.scrollHeight;
    this.update();
  }

  private fill(el: HTMLElement, item: Item): void {
    el.dataset["role"] = item.role;
    el.dataset["state"] = item.state;
    const [bubble, meta] = el.children as unknown as [HTMLElement, HTMLElement];
    const typing = item.text === "" && (item.state === "pending" || item.state === "streaming");
    if (bubble.textContent !== item.text || typing !== bubble.classList.contains("typing")) {
      bubble.textContent = item.text;
      bubble.classList.toggle("typing", typing);
      if (typing) bubble.setAttribute("aria-label", "Assistant is typing");
      else bubble.removeAttribute("aria-label");
    }
    const parts = [WHO[item.role] ?? item.role];
    if (typeof item.timestamp === "number") parts.push(this.timeFormat.format(item.timestamp));
    const note = item.errorMessage ?? NOTES[item.state];
    if (note) parts.push(note);
    const text = parts.join(" · ");
    if (meta.textContent !== text) meta.textContent = text;
  }

  private autosize(): void {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 240)}px`;
  }
}

function messageNode(): HTMLElement {
  return h("article", { className: "msg" }, h("div", { className: "bubble" }), h("footer", { className: "meta" }));
}
