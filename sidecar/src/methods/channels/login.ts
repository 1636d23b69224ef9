import type { Result } from "@clawdbot/protocol";
import { GatewayError } from "../../errors.js";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";
import type { ChannelLogin, LoginCode } from "../../channels/types.js";

/** What these handlers may reach. */
export type LoginDeps = Pick<GatewayServices, "channels" | "broadcaster" | "now">;

const DEFAULT_START_MS = 30_000;
const DEFAULT_WAIT_MS = 120_000;
const INSTRUCTIONS = "Open WhatsApp on your phone → Settings → Linked devices → Link a device";

/** The configured channel that links a device (WhatsApp), and the account a request means. */
async function loginTarget(s: LoginDeps, accountId: string | undefined): Promise<{ channel: string; accountId: string; login: ChannelLogin }> {
  for (const channel of s.channels.names()) {
    const id = accountId ?? s.channels.defaultAccountId(channel);
    if (id === undefined || !s.channels.accounts(channel).includes(id)) continue;
    const login = await s.channels.loginFor(channel, id);
    if (login) return { channel, accountId: id, login };
  }
  const why = accountId ? `no channel account ${accountId} links a device` : "no configured channel links a device";
  throw new GatewayError("not_found", `${why}: add channels.whatsapp to clawdbot.json and reload the gateway`);
}

/** The wire form of a code: the raw QR payload and a PNG data URL, or the pairing code. */
async function codeFields(code: LoginCode): Promise<{ qr?: string; qrDataUrl?: string; pairingCode?: string; expiresAt: number; message: string }> {
  if (code.kind === "pairing-code") {
    return { pairingCode: code.code, expiresAt: code.expiresAt, message: `Enter code ${code.code} on your phone: ${INSTRUCTIONS} → Link with phone number instead` };
  }
  return { qr: code.qr, qrDataUrl: await (await import("qrcode")).default.toDataURL(code.qr, { margin: 1 }), expiresAt: code.expiresAt, message: `Scan this QR code: ${INSTRUCTIONS}` };
}

/** `web.login.start`: starts linking; each rotated code is broadcast as `web.login.qr`. */
export const webLoginStartHandler =
  (s: LoginDeps): Handler<"web.login.start"> =>
  async (params) => {
    const target = await loginTarget(s, params?.accountId);
    const onCode = (code: LoginCode) => {
      void codeFields(code).then((fields) =>
        s.broadcaster.broadcast("web.login.qr", { channel: target.channel, accountId: target.accountId, ...fields }, { roles: ["operator"], scope: "operator.admin" }),
      );
    };
    const started = await target.login.start(
      { force: params?.force ?? false, timeoutMs: params?.timeoutMs ?? DEFAULT_START_MS, ...(params?.phone ? { phone: params.phone } : {}) },
      onCode,
    );
    if (!started.code) return { message: started.message };
    const fields: Result<"web.login.start"> = await codeFields(started.code);
    return fields;
  };

/** `web.login.wait`: resolves once linked, on failure, or after `timeoutMs`. */
export const webLoginWaitHandler =
  (s: LoginDeps): Handler<"web.login.wait"> =>
  async (params) => {
    const target = await loginTarget(s, params?.accountId);
    return target.login.wait(params?.timeoutMs ?? DEFAULT_WAIT_MS);
  };
