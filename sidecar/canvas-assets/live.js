// Canvas live reload, injected into every HTML page the canvas host serves: a WebSocket back to
// the host that reloads this page when files of its session change. It reconnects with backoff and
// reloads once it is back after a lost connection (the files may have changed meanwhile).
(() => {
  "use strict";
  if (window.__clawdbotLive) return;
  const session = decodeURIComponent(location.pathname.split("/")[1] || "");
  if (!session) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}/__clawdbot__/ws?session=${encodeURIComponent(session)}`;
  /** Read by tests and curious agents: {session, connected}. */
  const state = { session, connected: false };
  window.__clawdbotLive = state;
  let delay = 500;
  let lost = false;

  function connect() {
    const ws = new WebSocket(url);
    ws.onopen = () => {
      state.connected = true;
      delay = 500;
      if (lost) location.reload();
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
      lost = true;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  }
  connect();
})();
