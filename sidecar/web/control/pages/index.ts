// Every page, in navigation order.

import type { Ctx, Page } from "../context.js";
import type { PageId } from "../router.js";
import { ChannelsPage } from "./channels.js";
import { ChatPage } from "./chat.js";
import { ConfigPage } from "./config.js";
import { CronPage } from "./cron.js";
import { DevicesPage } from "./devices.js";
import { LogsPage } from "./logs.js";
import { NodesPage } from "./nodes.js";
import { OverviewPage } from "./overview.js";
import { SessionsPage } from "./sessions.js";

export function createPages(ctx: Ctx): Map<PageId, Page> {
  const pages: Page[] = [
    new OverviewPage(ctx),
    new DevicesPage(ctx),
    new ChannelsPage(ctx),
    new NodesPage(ctx),
    new SessionsPage(ctx),
    new CronPage(ctx),
    new ConfigPage(ctx),
    new LogsPage(ctx),
    new ChatPage(ctx),
  ];
  return new Map(pages.map((p) => [p.id, p]));
}
