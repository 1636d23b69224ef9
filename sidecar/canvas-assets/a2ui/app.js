// The canvas host's A2UI page: renders A2UI v0.8 server→client messages (surfaceUpdate,
// beginRendering, dataModelUpdate, deleteSurface) with the v0.8 renderer of @a2ui/lit. Bundled
// at build time by scripts/build-a2ui.mjs into sidecar/dist-canvas/a2ui.js; nothing is fetched
// at run time.
//
// Messages arrive through window.clawdbotA2UI.push(messages) (the node host calls it with
// playwright's page.evaluate) or over the canvas WebSocket ({type: "a2ui.push", messages}).
import { LitElement, css, html, unsafeCSS } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { ContextProvider } from "@lit/context";
import { SignalWatcher } from "@lit-labs/signals";
import { Data, Styles } from "@a2ui/lit/v0_8";
import * as UI from "@a2ui/lit/ui";
import { A2uiMessageSchema } from "@a2ui/web_core/v0_8";
import { renderMarkdown } from "@a2ui/markdown-it";
import { theme } from "./theme.js";
import { applyPalette } from "./palette.js";

const MAX_ACTIONS = 100;

class ClawdbotA2ui extends SignalWatcher(LitElement) {
  static styles = [
    unsafeCSS(Styles.structuralStyles),
    css`
      :host { display: block; }
      .empty {
        margin: 20vh auto 0; max-width: 360px; text-align: center;
        color: light-dark(var(--n-40), var(--n-70)); font: 14px/1.5 system-ui, sans-serif;
      }
      .empty strong { display: block; margin-bottom: 4px; font-size: 16px; color: light-dark(var(--n-10), var(--n-90)); }
      #surfaces { display: flex; flex-direction: column; gap: 24px; }
    `,
  ];

  /** The v0.8 model: surfaces, their components and data, held in signals the elements watch. */
  processor = Data.createSignalA2uiMessageProcessor();

  constructor() {
    super();
    new ContextProvider(this, { context: UI.Context.theme, initialValue: theme });
    new ContextProvider(this, { context: UI.Context.markdown, initialValue: renderMarkdown });
  }

  render() {
    const surfaces = [...this.processor.getSurfaces()];
    if (surfaces.length === 0) {
      return html`<div class="empty" id="empty"><strong>Nothing to show yet</strong>The agent's A2UI surfaces appear here.</div>`;
    }
    return html`<section id="surfaces">
      ${repeat(
        surfaces,
        ([id]) => id,
        ([id, surface]) => html`<a2ui-surface
          data-surface-id=${id}
          .surfaceId=${id}
          .surface=${surface}
          .processor=${this.processor}
          @a2uiaction=${(evt) => this.onAction(id, evt)}
        ></a2ui-surface>`,
      )}
    </section>`;
  }

  /** A Button's action as a v0.8 client→server `userAction`, its context bindings resolved. */
  onAction(surfaceId, evt) {
    const { action, dataContextPath, sourceComponent, sourceComponentId } = evt.detail;
    const context = {};
    for (const item of action.context ?? []) {
      const v = item.value ?? {};
      if (v.path !== undefined) {
        context[item.key] = this.processor.getData(sourceComponent, this.processor.resolvePath(v.path, dataContextPath), surfaceId);
      } else {
        context[item.key] = v.literalString ?? v.literalNumber ?? v.literalBoolean ?? null;
      }
    }
    const [target] = evt.composedPath();
    const userAction = {
      name: action.name,
      surfaceId,
      sourceComponentId: sourceComponentId ?? target?.id ?? "",
      timestamp: new Date().toISOString(),
      context,
    };
    api.actions.push(userAction);
    if (api.actions.length > MAX_ACTIONS) api.actions.shift();
    window.dispatchEvent(new CustomEvent("clawdbot-a2ui-action", { detail: userAction }));
    if (typeof api.onAction === "function") api.onAction(userAction);
  }
}
customElements.define("clawdbot-a2ui", ClawdbotA2ui);

function app() {
  const el = document.querySelector("clawdbot-a2ui");
  if (!el) throw new Error("the A2UI page has no <clawdbot-a2ui> element");
  return el;
}

/** Every message is checked against the v0.8 schema before any is applied. */
function validate(messages) {
  if (!Array.isArray(messages)) throw new TypeError("clawdbotA2UI.push(messages): messages must be an array of A2UI v0.8 messages");
  messages.forEach((m, i) => {
    const r = A2uiMessageSchema.safeParse(m);
    if (!r.success) {
      const issues = r.error.issues.map((x) => `${x.path.join(".") || "(message)"}: ${x.message}`).join("; ");
      throw new TypeError(`A2UI message ${i} is not a valid v0.8 server-to-client message: ${issues}`);
    }
  });
}

const api = {
  /** The A2UI protocol version this page renders. */
  protocolVersion: "0.8",
  /** Applies server→client messages; returns the surfaces now known. */
  push(messages) {
    validate(messages);
    const { processor } = app();
    processor.processMessages(messages);
    return { applied: messages.length, surfaces: [...processor.getSurfaces().keys()] };
  },
  /** Removes every surface. */
  reset() {
    app().processor.clearSurfaces();
    return { surfaces: [] };
  },
  surfaces() {
    return [...app().processor.getSurfaces().keys()];
  },
  /** The latest userAction messages from Buttons (newest last). */
  actions: [],
  /** Optional callback for each userAction. */
  onAction: null,
  /** Whether the canvas WebSocket (host-side pushes) is open. */
  connected: false,
};
window.clawdbotA2UI = api;

/** Pushes over the canvas WebSocket, when the page is served by the canvas host. */
function listen(delay = 500) {
  if (location.protocol !== "http:" && location.protocol !== "https:") return;
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/__clawdbot__/ws?a2ui=1`);
  ws.onopen = () => {
    delay = 500;
    api.connected = true;
  };
  ws.onmessage = (ev) => {
    try {
      const msg = JSON.parse(ev.data);
      if (msg.type === "a2ui.push") api.push(msg.messages);
      else if (msg.type === "a2ui.reset") api.reset();
    } catch (err) {
      console.warn("canvas A2UI: a pushed message was not applied:", err);
    }
  };
  ws.onclose = () => {
    api.connected = false;
    setTimeout(() => listen(Math.min(delay * 2, 10_000)), delay);
  };
}

applyPalette();
listen();
