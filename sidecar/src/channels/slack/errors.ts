import { ChannelSendError } from "../types.js";

/** Web API errors that mean the token itself is refused; retrying cannot help until the config changes. */
const TOKEN_REFUSED = new Set([
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "not_allowed_token_type",
  "team_disabled",
  "user_removed_from_team",
  "app_uninstalled",
]);

/** Web API errors worth another attempt later. */
const TRANSIENT = new Set(["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org"]);

/** The pieces of @slack/web-api's errors the channel reads (code, platform error, retry-after, HTTP status). */
interface SlackErrorLike {
  code?: string;
  data?: { error?: string };
  retryAfter?: number;
  statusCode?: number;
  original?: { message?: string };
  message?: string;
}

/** The Web API error string (`channel_not_found`), when the error is a platform error. */
export function platformError(err: unknown): string | undefined {
  const e = err as SlackErrorLike;
  return e?.code === "slack_webapi_platform_error" ? e.data?.error : undefined;
}

/** True when Slack refused the token. */
export function tokenRefused(err: unknown): boolean {
  const code = platformError(err);
  return code !== undefined && TOKEN_REFUSED.has(code);
}

/** A one-line description without the library's boilerplate. */
export function describeSlackError(err: unknown): string {
  const e = err as SlackErrorLike;
  switch (e?.code) {
    case "slack_webapi_platform_error":
      return `slack: ${e.data?.error ?? "error"}`;
    case "slack_webapi_rate_limited_error":
      return `slack: rate limited, retry after ${e.retryAfter ?? "?"} s`;
    case "slack_webapi_http_error":
      return `slack: HTTP ${e.statusCode ?? "?"}`;
    case "slack_webapi_request_error":
      return `network: ${e.original?.message ?? e.message ?? "request failed"}`;
    default:
      return (err as Error)?.message ?? String(err);
  }
}

/** Maps a failed Web API call to a retry decision: 429 honours Retry-After, network and 5xx retry, the rest does not. */
export function toSendError(err: unknown): ChannelSendError {
  if (err instanceof ChannelSendError) return err;
  const e = err as SlackErrorLike;
  const why = describeSlackError(err);
  switch (e?.code) {
    case "slack_webapi_rate_limited_error":
      return new ChannelSendError(why, true, Math.max(1, e.retryAfter ?? 1) * 1000);
    case "slack_webapi_platform_error":
      return new ChannelSendError(why, TRANSIENT.has(e.data?.error ?? ""));
    case "slack_webapi_http_error":
      return new ChannelSendError(why, (e.statusCode ?? 500) >= 500 || e.statusCode === 429);
    default:
      return new ChannelSendError(why, true);
  }
}
