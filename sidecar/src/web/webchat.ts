import { createPageHandler, ownSocketSources, pageDirs, type PageDirs, type PageHandler } from "./static.js";

/** WebChat at `/` (and `/chat`, `/webchat/`): its page, its bundle and stylesheet, the icon. */
export function createWebchatHandler(opts: PageDirs = {}): PageHandler {
  const { source, bundle } = pageDirs(opts);
  const index = `${source}webchat/index.html`;
  return createPageHandler({
    name: "webchat",
    prefix: "/webchat",
    routes: {
      "/": index,
      "/chat": index,
      "/chat/": index,
      "/webchat/": index,
      "/webchat/index.html": index,
      "/webchat/app.js": `${bundle}webchat.js`,
      "/webchat/app.css": `${bundle}webchat.css`,
      "/webchat/icon.svg": `${source}shared/icon.svg`,
    },
    csp: contentSecurityPolicy,
  });
}

/** Scripts, styles and images from this origin; sockets only back to the host the page came from. */
export function contentSecurityPolicy(host: string | undefined): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self'${ownSocketSources(host)}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}
