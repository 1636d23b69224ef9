// One modal dialog at a time, on the native <dialog> element (focus trapped, Escape cancels).

import { html, nothing, type TemplateResult } from "lit";
import { directive, Directive, PartType, type ElementPart, type PartInfo } from "lit/directive.js";
import type { DialogRequest } from "./context.js";

interface Open {
  req: DialogRequest<unknown>;
  resolve: (value: unknown) => void;
}

export class DialogHost {
  private open: Open | undefined;

  constructor(private readonly update: () => void) {}

  ask<T>(req: DialogRequest<T>): Promise<T | null> {
    this.open?.resolve(null);
    return new Promise<T | null>((resolve) => {
      this.open = { req, resolve: resolve as (value: unknown) => void };
      this.update();
    });
  }

  view(): TemplateResult | typeof nothing {
    const o = this.open;
    if (!o) return nothing;
    const { req } = o;
    return html`<dialog class="dialog" aria-labelledby="dialog-title" @cancel=${(e: Event) => this.cancel(e)} ${showModal()}>
      <form method="dialog" class="dialog-form" @submit=${(e: SubmitEvent) => this.confirm(e)}>
        <h2 id="dialog-title">${req.title}</h2>
        <div class="dialog-body">${req.body}</div>
        <div class="actions">
          <button type="button" class="button secondary" @click=${(e: Event) => this.cancel(e)}>Cancel</button>
          <button type="submit" class="button ${req.danger ? "danger" : "primary"}">${req.confirmLabel}</button>
        </div>
      </form>
    </dialog>`;
  }

  private confirm(e: SubmitEvent): void {
    e.preventDefault();
    const o = this.open;
    if (!o) return;
    const value = o.req.read ? o.req.read(e.target as HTMLFormElement) : true;
    this.close(value);
  }

  private cancel(e: Event): void {
    e.preventDefault();
    this.close(null);
  }

  private close(value: unknown): void {
    const o = this.open;
    this.open = undefined;
    this.update();
    o?.resolve(value);
  }
}


/** Opens the <dialog> it is on as a modal once it is in the document. */
class ShowModal extends Directive {
  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ELEMENT) throw new Error("showModal() belongs on a <dialog> element");
  }
  override update(part: ElementPart): typeof nothing {
    const el = part.element as HTMLDialogElement;
    queueMicrotask(() => {
      if (el.isConnected && !el.open) el.showModal();
    });
    return nothing;
  }
  render(): typeof nothing {
    return nothing;
  }
}
const showModal = directive(ShowModal);
