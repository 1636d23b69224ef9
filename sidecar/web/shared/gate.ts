// What a page shows while the gateway keeps this browser out: "Waiting for approval" with the
// command that approves it (the page goes on by itself once approved), or a form for the gateway
// token when the gateway asks for it. Shared by WebChat and the Control UI.

import { html, nothing, type TemplateResult } from "lit";
import type { ConnectionStatus, TypedSecret } from "@clawdbot/protocol/browser";
import type { SecretStore } from "./secret.js";

export interface GateState {
  status: ConnectionStatus;
  /** The last NOT_PAIRED or UNAUTHORIZED status while this browser is kept out. */
  refusal: ConnectionStatus | undefined;
  deviceId: string | undefined;
  secretStored: boolean;
  /** Whether the last connect sent a typed secret (the gateway then refused it). */
  secretRefused: boolean;
}

export interface GateActions {
  submitSecret(kind: "token" | "password", value: string): void;
}

/** Follows a page's connection: the refusal that keeps it out (kept across retries) and whether a typed secret was refused. */
export class Gate {
  private current: ConnectionStatus = { state: "connecting" };
  private refusal: ConnectionStatus | undefined;
  private secretSent = false;
  private secretRefused = false;

  constructor(private readonly store: SecretStore) {}

  /** The typed secret for the next connect (the client's `secret` option). */
  readonly secret = (): TypedSecret | undefined => {
    const s = this.store.secret();
    this.secretSent = s !== undefined;
    return s;
  };

  get status(): ConnectionStatus {
    return this.current;
  }

  /** True while a panel stands in for the page. */
  get shown(): boolean {
    return this.current.state !== "connected" && this.refusal !== undefined;
  }

  onStatus(s: ConnectionStatus): void {
    this.current = s;
    if (s.state === "connected") this.secretSent = false;
    if (s.code === "UNAUTHORIZED") this.secretRefused = this.secretSent;
    // A retry in progress keeps the panel (and what a person is typing into it) on screen.
    if (s.code === "NOT_PAIRED" || s.code === "UNAUTHORIZED") this.refusal = s;
    else if (s.state !== "connecting") this.refusal = undefined;
  }

  state(deviceId: string | undefined): GateState {
    return {
      status: this.current,
      refusal: this.refusal,
      deviceId,
      secretStored: this.store.secret() !== undefined,
      secretRefused: this.secretRefused && this.refusal?.code === "UNAUTHORIZED",
    };
  }
}

const STATE_TEXT = { connecting: "Connecting…", connected: "Connected", disconnected: "Disconnected" } as const;

/** The status pill: state in words, with the retry delay while disconnected. */
export function statusText(s: ConnectionStatus): string {
  if (s.code === "NOT_PAIRED") return "Waiting for approval";
  const retry = s.state === "disconnected" && s.retryInMs !== undefined ? ` — retrying in ${Math.max(1, Math.round(s.retryInMs / 1000))} s` : "";
  return STATE_TEXT[s.state] + retry;
}

/** The status the pill shows: while kept out, the refusal rather than each retry. */
export function shownStatus(st: GateState): ConnectionStatus {
  return st.status.state !== "connected" && st.refusal ? st.refusal : st.status;
}

/** A device id as people compare it: the first 16 hex digits in groups of four. */
export function fingerprint(id: string): string {
  return (id.slice(0, 16).match(/.{1,4}/g) ?? []).join(" ");
}

/** The panel shown instead of the page while this browser waits for approval or needs the gateway's secret. */
export function gateView(st: GateState, act: GateActions): TemplateResult | undefined {
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

function secretView(s: ConnectionStatus, st: GateState, act: GateActions): TemplateResult {
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const value = String(data.get("secret") ?? "");
    if (value !== "") act.submitSecret(data.get("kind") === "password" ? "password" : "token", value);
  };
  return html`<form class="panel" aria-labelledby="secret-title" id="secret-form" @submit=${submit}>
    <h2 id="secret-title">This gateway needs its token</h2>
    <p>${st.secretRefused ? "The gateway refused the token or password this browser sent." : "The gateway asks every client on another machine for its token (or password)."}</p>
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
    <p class="muted small">Kept in this browser for ${location.origin} only and sent only to this gateway's own socket. A new browser is then approved once on the gateway host.</p>
  </form>`;
}
