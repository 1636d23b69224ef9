import { chunkText } from "../chunk.js";

/** Longest text of one message: Slack truncates past 40,000 characters and collapses long messages in clients. */
export const SLACK_TEXT_LIMIT = 4000;

/**
 * Escapes the three characters Slack's mrkdwn treats as control characters, so agent text cannot
 * ping `<!channel>`, mention `<@U…>` or forge `<url|label>` links. Nothing else needs escaping.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Splits text into escaped messages of at most `limit` characters each, counted after escaping. */
export function slackChunks(text: string, limit: number): string[] {
  return chunkText(text, limit, (piece) => escapeMrkdwn(piece).length).map(escapeMrkdwn);
}
