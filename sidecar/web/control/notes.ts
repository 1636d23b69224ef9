// Short notes after an action ("Device approved", "Could not …"): successes in a polite status
// region, failures in an alert region; each goes away by itself or when dismissed.

import { html, type TemplateResult } from "lit";
import { repeat } from "lit/directives/repeat.js";

interface Note {
  id: number;
  text: string;
  kind: "ok" | "error";
}

const LIFETIME_MS = { ok: 6000, error: 15000 };

export class Notes {
  private list: Note[] = [];
  private seq = 0;

  constructor(private readonly update: () => void) {}

  add(text: string, kind: "ok" | "error"): void {
    const note = { id: ++this.seq, text, kind };
    this.list = [...this.list.slice(-4), note];
    setTimeout(() => this.dismiss(note.id), LIFETIME_MS[kind]);
    this.update();
  }

  view(): TemplateResult {
    const item = (n: Note) => html`<li class="note" data-kind=${n.kind}>
      <span>${n.text}</span>
      <button type="button" class="icon-button" aria-label="Dismiss" @click=${() => this.dismiss(n.id)}>×</button>
    </li>`;
    return html`<div class="notes">
      <ul role="status" aria-label="Notes" aria-live="polite">${repeat(this.list.filter((n) => n.kind === "ok"), (n) => n.id, item)}</ul>
      <ul role="alert" aria-label="Problems">${repeat(this.list.filter((n) => n.kind === "error"), (n) => n.id, item)}</ul>
    </div>`;
  }

  private dismiss(id: number): void {
    const before = this.list.length;
    this.list = this.list.filter((n) => n.id !== id);
    if (this.list.length !== before) this.update();
  }
}
