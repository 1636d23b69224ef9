// Attempts a WebSocket upgrade and reports the HTTP status instead of throwing.
import WebSocket from "ws";

export interface UpgradeOutcome {
  /** HTTP status of a refused upgrade, or 101 when the socket opened. */
  status: number;
  body: string;
  /** Messages received (a refused upgrade must have sent none). */
  messages: number;
}

/** Attempts an upgrade with `headers`; reports the HTTP status instead of throwing. */
export function tryUpgrade(url: string, headers: Record<string, string>): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    let messages = 0;
    ws.on("message", () => messages++);
    ws.on("open", () => {
      ws.once("message", () => {
        ws.close();
        resolve({ status: 101, body: "", messages });
      });
    });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, messages }));
    });
    ws.on("error", reject);
  });
}

