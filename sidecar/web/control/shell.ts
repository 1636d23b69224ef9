// The frame around every page: header with the connection state, page navigation, the access
// choice, and the panels shown instead of a page while this browser cannot get in yet.

import { html, nothing, type TemplateResult } from "lit";
import type { ConnectionStatus } from "@clawdbot/protocol/browser";
import type { AccessMode } from "./access.js";
import { fingerprint } from "./format.js";
import type { PageId } from "./router.js";

export interface ShellState {
  status: ConnectionStatus;
  /** The last NOT_PAIRED or UNAUTHORIZED status while this browser is kept out. */
  refusal: ConnectionStatus | undefined;
  page: PageId;
  title: string;
  nav: readonly { id: PageId; title: string }[];
  access: AccessMode;
  /** Scopes the live connection holds (empty while not connected). */
  scopes: readonly string[];
  deviceId: string | undefined;
  secretStored: boolean;
  /** Whether the last connect sent a typed secret (the gateway then refused it). */
  secretRefused: boolean;
}

export interface ShellActions {
  setAccess(mode: AccessMode): void;
  submitSecret(kind: "token" | "password", value: string): void;
  forgetSecret(): void;
}

const STATE_TEXT = { connecting: "Connecting…", connected: "Connected", disconnected: "Disconnected" } as const;

/** The status pill: state in words, with the retry delay while disconnected. */
export function statusText(s: ConnectionStatus): string {
  if (s.code === "NOT_PAIRED") return "Waiting for approval";
  const retry = s.state === "disconnected" && s.retryInMs !== undefined ? ` — retrying in ${Math.max(1, Math.round(s.retryInMs / 1000))} s` : "";
  return STATE_TEXT[s.state] + retry;
}

export function headerView(st: ShellState): TemplateResult {
  return html`<header class="top">
    <a class="skip" href="#main" @click=${skipToMain}>Skip to content</a>
    <a class="brand" href="#/overview"><img src="/control/icon.svg" alt="" width="24" height="24"><span>Clawdbot <span class="muted">Control</span></span></a>
    <p id="status" class="status" data-state=${st.status.state} data-code=${st.status.code ?? ""} role="status" aria-live="polite">
      <span class="dot" aria-hidden="true"></span><span>${statusText(st.status.state !== "connected" && st.refusal ? st.refusal : st.status)}</span>
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

/** Shown instead of the page while this browser waits for approval or needs the gateway's secret. */
export function gateView(st: ShellState, act: ShellActions): TemplateResult | undefined {
  const s = st.refusal;
  if (st.status.state === "connected" || !s) return undefined;
  if (s.code === "NOT_PAIRED") return waitingView(s, st.deviceId);
  if (s.code === "UNAUTHORIZED") return secretView(s, st, act);
  return undefined;
}

function waitingView(s: ConnectionStatus, deviceId: string | undefined): TemplateResult {
  const id = s.requestId ?? "<request id>";
  return html`<section class="panel" aria-labelledby="waiting-title" id="waiting">
    <h2 id="waiting-title">Waiting for approval</h2>
    <p>This browser is a new device for this gateway. Approve it on the gateway host:</p>
    <pre class="command"><code>clawdbot pair approve ${id}</code></pre>
    <dl class="facts">
      <dt>Request</dt><dd><code id="request-id">${id}</code></dd>
      ${deviceId ? html`<dt>This device</dt><dd><code>${fingerprint(deviceId)}</code></dd>` : nothing}
    </dl>
    <p class="muted">This page goes on by itself once the request is approved (or use Devices in another approved browser).</p>
  </section>`;
}

function secretView(s: ConnectionStatus, st: ShellState, act: ShellActions): TemplateResult {
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const value = String(data.get("secret") ?? "");
    if (value !== "") act.submitSecret(data.get("kind") === "password" ? "password" : "token", value);
  };
  return html`<form class="panel" aria-labelledby="secret-title" id="secret-form" @submit=${submit}>
    <h2 id="secret-title">This gateway needs its token</h2>
    <p>${st.secretRefused ? "The gateway refused the token or password this browser sent." : "The gateway asks every client for its token (or password)."}</p>
    <p class="muted">${s.message ?? ""}</p>
    <fieldset class="inline">
      <legend>Sign in with</legend>
      <label><input type="radio" name="kind" value="token" checked> Token</label>
      <label><input type="radio" name="kind" value="password"> Password</label>
    </fieldset>
    <label class="field">Gateway token or password
      <input type="password" name="secret" autocomplete="off" required>
    </label>
    <div class="actions"><button type="submit" class="button primary">Connect</button></div>
    <p class="muted small">Kept in this browser for ${location.origin} only and sent only to this gateway's own socket.</p>
  </form>`;
}

function skipToMain(e: Event): void {
  e.preventDefault();
  document.getElementById("main")?.focus();
}
