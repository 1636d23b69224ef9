import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** What these handlers may reach. */
export type SessionsDeps = Pick<GatewayServices, "sessions">;

/** `sessions.list`: sessions, most recently active first. */
export const sessionsListHandler =
  (s: SessionsDeps): Handler<"sessions.list"> =>
  (params) =>
    s.sessions.list(params);

/** `sessions.preview`: the last few messages of each key. */
export const sessionsPreviewHandler =
  (s: SessionsDeps): Handler<"sessions.preview"> =>
  (params) =>
    s.sessions.preview(params);

/** `sessions.resolve`: key by key, session id or label. */
export const sessionsResolveHandler =
  (s: SessionsDeps): Handler<"sessions.resolve"> =>
  (params) =>
    s.sessions.resolve(params);

/** `sessions.patch`: label, model, thinking level, send policy; null clears. */
export const sessionsPatchHandler =
  (s: SessionsDeps): Handler<"sessions.patch"> =>
  (params) =>
    s.sessions.patch(params);

/** `sessions.reset`: a fresh transcript; the old one archived. */
export const sessionsResetHandler =
  (s: SessionsDeps): Handler<"sessions.reset"> =>
  ({ key }) =>
    s.sessions.reset(key);

/** `sessions.delete`: refused for main. */
export const sessionsDeleteHandler =
  (s: SessionsDeps): Handler<"sessions.delete"> =>
  ({ key, deleteTranscript }) =>
    s.sessions.delete(key, deleteTranscript === true);

/** `sessions.compact`: older lines archived. */
export const sessionsCompactHandler =
  (s: SessionsDeps): Handler<"sessions.compact"> =>
  ({ key, maxLines }) =>
    s.sessions.compact(key, maxLines);

/** `chat.inject`: a note in the transcript, no agent run. */
export const chatInjectHandler =
  (s: SessionsDeps): Handler<"chat.inject"> =>
  (params) =>
    s.sessions.inject(params);
