// Chat: WebChat's conversation view for the main session, the same module WebChat shows.

import { html, nothing, type TemplateResult } from "lit";
import type { Ctx, Page } from "../context.js";
import { messageNodes } from "../../shared/page.js";
import { ChatView } from "../../shared/chat/view.js";

const SESSION_KEY = "main";

export class ChatPage implements Page {
  readonly id = "chat";
  readonly title = "Chat";
  private chat: ChatView | undefined;
  private notice: { text: string; source: string; code: string | undefined } | undefined;

  constructor(private readonly ctx: Ctx) {}

  async refresh(): Promise<void> {
    const first = this.chat === undefined;
    await this.view$().connected();
    this.chat?.update();
    if (first) this.chat?.focus();
  }

  view(): TemplateResult {
    if (!this.ctx.can("chat.send")) {
      return html`<p class="muted">Chat needs the <code>operator.write</code> scope; this connection does not hold it.</p>`;
    }
    const n = this.notice;
    // The app draws again on every connection change; Send and Stop follow it here.
    this.chat?.update();
    return html`${n ? html`<div id="notice" class="notice" role="alert" data-code=${n.code ?? nothing}>${messageNodes(n.text)}</div>` : nothing}
      <div class="chat-frame">${this.view$().element}</div>`;
  }

  private view$(): ChatView {
    this.chat ??= new ChatView({
      client: this.ctx.client,
      sessionKey: SESSION_KEY,
      placeholder: "Message the agent (main session)…",
      notice: (text, source, code) => {
        this.notice = { text, source, code };
        this.ctx.update();
      },
      clearNotice: (source) => {
        if (this.notice?.source !== source) return;
        this.notice = undefined;
        this.ctx.update();
      },
    });
    return this.chat;
  }
}
