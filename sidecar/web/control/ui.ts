// Small view pieces the pages share.

import { html, nothing, type TemplateResult } from "lit";
import type { LiveData } from "./pages/live.js";

/** A titled card; its heading names it for assistive technology. */
export function card(id: string, title: string, body: TemplateResult | TemplateResult[], extra: TemplateResult | typeof nothing = nothing): TemplateResult {
  return html`<section class="card" aria-labelledby=${id}><h2 id=${id}>${title}</h2>${extra}${body}</section>`;
}

/** "Loading…", or the load error, before the first load; the error alone afterwards. */
export function loadState(live: LiveData, what: string): TemplateResult | typeof nothing {
  if (live.error) return html`<p role="alert" class="error">Could not load ${what}: ${live.error}</p>`;
  return live.loaded ? nothing : html`<p class="muted">Loading…</p>`;
}

/** A list of scope or command names as small code chips. */
export function chips(names: readonly string[] | undefined, empty = "none"): TemplateResult {
  if (!names || names.length === 0) return html`<span class="muted">${empty}</span>`;
  return html`<span class="chips">${names.map((n) => html`<code class="chip">${n}</code>`)}</span>`;
}
