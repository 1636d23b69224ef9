// The frame around every page: header with the connection state, page navigation and the access
// choice (the panels shown while this browser cannot get in yet are shared/gate.ts).

import { html, nothing, type TemplateResult } from "lit";
import { shownStatus, statusText, type GateActions, type GateState } from "../shared/gate.js";
import type { AccessMode } from "./access.js";
import type { PageId } from "./router.js";

export interface ShellState extends GateState {
  page: PageId;
  title: string;
  nav: readonly { id: PageId; title: string }[];
  access: AccessMode;
  /** Scopes the live connection holds (empty while not connected). */
  scopes: readonly string[];
}

export interface ShellActions extends GateActions {
  setAccess(mode: AccessMode): void;
  forgetSecret(): void;
}

export function headerView(st: ShellState): TemplateResult {
  return html`<header class="top">
    <a class="skip" href="#main" @click=${skipToMain}>Skip to content</a>
    <a class="brand" href="#/overview"><img src="/control/icon.svg" alt="" width="24" height="24"><span>Clawdbot <span class="muted">Control</span></span></a>
    <p id="status" class="status" data-state=${st.status.state} data-code=${st.status.code ?? ""} role="status" aria-live="polite">
      <span class="dot" aria-hidden="true"></span><span>${statusText(shownStatus(st))}</span>
    </p>
  </header>`;
}

export function navView(st: ShellState, act: ShellActions): TemplateResult {
  const readOnly = st.status.state === "connected" && !st.scopes.some((s) => s !== "operator.read");
  return html`<nav class="nav" aria-label="Pages">
    <ul>
      ${st.nav.map(
        (p) => html`<li><a href="#/${p.id}" aria-current=${p.id === st.page ? "page" : "false"}>${p.title}</a></li>`,
      )}
    </ul>
    ${readOnly ? html`<p class="badge" id="read-only">Read-only connection: changes are hidden.</p>` : nothing}
    <details class="nav-foot">
      <summary>This browser: ${st.access === "full" ? "full control" : "read only"}</summary>
      <fieldset class="access">
        <legend>Access from this browser</legend>
        <label><input type="radio" name="access" value="full" .checked=${st.access === "full"} @change=${() => act.setAccess("full")}> Full control</label>
        <label><input type="radio" name="access" value="read-only" .checked=${st.access === "read-only"} @change=${() => act.setAccess("read-only")}> Read only</label>
      </fieldset>
      ${st.secretStored
        ? html`<button type="button" class="button secondary small" @click=${() => act.forgetSecret()}>Forget gateway token</button>`
        : nothing}
    </details>
  </nav>`;
}

function skipToMain(e: Event): void {
  e.preventDefault();
  document.getElementById("main")?.focus();
}
