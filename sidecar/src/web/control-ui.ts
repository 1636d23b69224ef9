import { createPageHandler, ownSocketSources, pageDirs, type PageDirs, type PageHandler } from "./static.js";

/** The Control UI at `/control/`: one page (routes live in the fragment), its bundle, stylesheet and icon. */
export function createControlUiHandler(opts: PageDirs = {}): PageHandler {
  const { source, bundle } = pageDirs(opts);
  const index = `${source}control/index.html`;
  return createPageHandler({
    name: "control-ui",
    prefix: "/control",
    routes: {
      "/control/": index,
      "/control/index.html": index,
      "/control/app.js": `${bundle}control.js`,
      "/control/app.css": `${bundle}control.css`,
      "/control/icon.svg": `${source}shared/icon.svg`,
    },
    redirects: { "/control": "/control/" },
    csp: controlUiPolicy,
  });
}

/**
 * Everything from this origin and nothing inline; images may also be data: URLs (the WhatsApp QR
 * code and canvas snapshots arrive that way); sockets only back to the host the page came from;
 * no framing, no plugins, no forms posting anywhere.
 */
export function controlUiPolicy(host: string | undefined): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${ownSocketSources(host)}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}
