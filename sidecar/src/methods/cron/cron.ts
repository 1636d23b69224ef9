import type { Handler } from "../context.js";
import { MAIN_SESSION_KEY } from "../../channels/router.js";
import type { GatewayServices } from "../../services.js";

/** What these handlers may reach. */
export type CronDeps = Pick<GatewayServices, "cron" | "waker">;

/** `cron.list` */
export const cronListHandler =
  (s: CronDeps): Handler<"cron.list"> =>
  (params) => ({ jobs: s.cron.list(params?.includeDisabled === true) });

/** `cron.status` */
export const cronStatusHandler =
  (s: CronDeps): Handler<"cron.status"> =>
  () =>
    s.cron.status();

/** `cron.add` */
export const cronAddHandler =
  (s: CronDeps): Handler<"cron.add"> =>
  (params) =>
    s.cron.add(params);

/** `cron.update` */
export const cronUpdateHandler =
  (s: CronDeps): Handler<"cron.update"> =>
  ({ id, patch }) =>
    s.cron.update(id, patch);

/** `cron.remove` */
export const cronRemoveHandler =
  (s: CronDeps): Handler<"cron.remove"> =>
  async ({ id }) => ({ ok: true as const, removed: await s.cron.remove(id) });

/** `cron.run`: force (default) or due; answers when the run finished. */
export const cronRunHandler =
  (s: CronDeps): Handler<"cron.run"> =>
  ({ id, mode }) =>
    s.cron.run(id, mode ?? "force");

/** `cron.runs` */
export const cronRunsHandler =
  (s: CronDeps): Handler<"cron.runs"> =>
  async ({ id, limit }) => ({ entries: await s.cron.history(id, limit ?? 50) });

/** `wake`: a system event for a session (the main one by default), now or at the next heartbeat. */
export const wakeHandler =
  (s: CronDeps): Handler<"wake"> =>
  ({ mode, text, sessionKey = MAIN_SESSION_KEY }) => ({ ok: true as const, mode, sessionKey, pending: s.waker.wake(mode, text, sessionKey) });
