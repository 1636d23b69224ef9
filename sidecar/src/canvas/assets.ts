import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";

/** Where the canvas host's own files live, next to `src/` and `dist/` in the sidecar package. */
export const DEFAULT_ASSET_DIR = fileURLToPath(new URL("../../canvas-assets/", import.meta.url));
/** The A2UI renderer bundle written at build time by `scripts/build-a2ui.mjs`. */
export const DEFAULT_A2UI_BUNDLE = fileURLToPath(new URL("../../dist-canvas/a2ui.js", import.meta.url));

/** The host's built-in files, read once at start-up; the A2UI renderer with its first request. */
export interface CanvasAssets {
  liveJs: Buffer;
  a2uiHtml: Buffer;
  /** The A2UI renderer bundle (~400 KiB, which most gateways never serve); undefined when it was not built. */
  a2uiJs(): Buffer | undefined;
  /** Whether the A2UI renderer bundle was there at start-up. */
  a2uiBuilt: boolean;
  /** The page shown for a session without index.html. */
  scaffold(session: string): string;
}

export function loadCanvasAssets(dir: string, a2uiBundle: string, log: Logger): CanvasAssets {
  const base = dir.replace(/\/?$/, "/");
  const read = (name: string) => readFileSync(`${base}${name}`);
  const scaffold = read("scaffold.html").toString("utf8");
  const a2uiBuilt = existsSync(a2uiBundle);
  if (!a2uiBuilt) log.warn({ path: a2uiBundle }, "A2UI renderer bundle missing (run `node scripts/build-a2ui.mjs`); /__clawdbot__/a2ui/ answers 503");
  let a2uiJs: Buffer | undefined;
  return {
    liveJs: read("live.js"),
    a2uiHtml: read("a2ui/index.html"),
    a2uiBuilt,
    a2uiJs: () => {
      if (a2uiJs || !a2uiBuilt) return a2uiJs;
      try {
        a2uiJs = readFileSync(a2uiBundle);
      } catch (err) {
        log.warn({ err, path: a2uiBundle }, "A2UI renderer bundle unreadable; /__clawdbot__/a2ui/ answers 503");
      }
      return a2uiJs;
    },
    scaffold: (session) => scaffold.replaceAll("{{session}}", escapeHtml(session)),
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
