// A tiny loopback HTTP server standing in for the canvas host: plain pages and an A2UI page.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestContext } from "node:test";

const A2UI_PAGE = `<!doctype html><title>a2ui</title><body><div id="log"></div><script>
window.received = [];
window.clawdbotA2UI = { push(messages) { window.received.push(...messages); document.getElementById("log").textContent = JSON.stringify(window.received); return { accepted: messages.length }; } };
</script></body>`;

/**
 * Serves `/hello.html`, `<prefix>/__clawdbot__/a2ui/` with window.clawdbotA2UI.push under
 * `/with`, and the same page without the function under `/without`.
 */
export async function startPages(t: TestContext): Promise<{ base: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    if (url === "/hello.html") {
      res.writeHead(200, { "content-type": "text/html" }).end('<!doctype html><title>hello</title><body style="background:#3a6"><h1 id="h">hello canvas</h1></body>');
    } else if (url === "/with/__clawdbot__/a2ui/") {
      res.writeHead(200, { "content-type": "text/html" }).end(A2UI_PAGE);
    } else if (url === "/without/__clawdbot__/a2ui/") {
      res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>not a2ui</title><body>nothing here</body>");
    } else {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
