// Pages live in the fragment (`#/devices`, `#/channels/whatsapp/link`). The fragment only ever
// names a page: it is never read for a gateway URL, token or anything else.

export const PAGES = ["overview", "devices", "channels", "nodes", "sessions", "cron", "config", "logs", "chat"] as const;
export type PageId = (typeof PAGES)[number];

export interface Route {
  page: PageId;
  /** Path segments after the page (`["whatsapp", "link"]`). */
  rest: string[];
}

/** The route a fragment names; anything unknown is the Overview. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter((p) => p !== "");
  const page = PAGES.find((p) => p === parts[0]);
  return page ? { page, rest: parts.slice(1).map(safeSegment) } : { page: "overview", rest: [] };
}

/** The fragment for a route. */
export function routeHash(page: PageId, ...rest: string[]): string {
  return `#/${[page, ...rest.map(encodeURIComponent)].join("/")}`;
}

function safeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
