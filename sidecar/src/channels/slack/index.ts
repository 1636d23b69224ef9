import { defineChannel } from "../module.js";
import { redactSlack, resolveSlack, SlackAccountSchema } from "./config.js";
import { SLACK_TEXT_LIMIT, slackChunks } from "./mrkdwn.js";

/** Slack apps through Bolt: Socket Mode (default) or HTTP mode on the gateway's port. */
export const slack = defineChannel({
  id: "slack",
  label: "Slack",
  detailLabel: "Slack Bot",
  textLimit: SLACK_TEXT_LIMIT,
  chunk: (text) => slackChunks(text, SLACK_TEXT_LIMIT),
  accountSchema: SlackAccountSchema,
  resolve: resolveSlack,
  redact: redactSlack,
  secrets: (a) => [a.botToken, a.appToken, a.signingSecret].filter((s): s is string => s !== undefined),
  // The Socket Mode client pings its socket and reports drops; the adapter reconnects itself.
  staleAfterMs: () => Infinity,
  create: async (deps) => {
    const { SlackAdapter } = await import("./adapter.js");
    return new SlackAdapter({ config: deps.account, stateDir: deps.stateDir, log: deps.log, now: deps.now, events: deps.events });
  },
});
