// Canvas live reload, injected into every HTML page the canvas host serves: a WebSocket back to
// the host that reloads this page when files of its session change. The page says which version
// of the session it was served with, so a change made while it loaded or was disconnected is not
// missed: the host answers a stale version with an immediate reload. Reconnects with backoff.
(() => {
  "use strict";
  if (window.__clawdbotLive) return;
  // /<session>/… or, beyond loopback, /__cap__/<capability>/<session>/…
  const parts = location.pathname.split("/");
  const session = decodeURIComponent((parts[1] === "__cap__" ? parts[3] : parts[1]) || "");
  if (!session) return;
  const version = (document.currentScript && document.currentScript.dataset.version) || "";
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}/__clawdbot__/ws?session=${encodeURIComponent(session)}&version=${encodeURIComponent(version)}`;
  /** Read by tests and curious agents: {session, connected}. */
  const state = { session, connected: false };
  window.__clawdbotLive = state;
  let delay = 500;

  function connect() {
    const ws = new WebSocket(url);
    ws.onopen = () => {
      state.connected = true;
      delay = 500;
    };
    ws.onmessage = (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg && msg.type === "reload" && msg.session === session) location.reload();
    };
    ws.onclose = () => {
      state.connected = false;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  }
  connect();
})();
