import { GatewayError } from "../../errors.js";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** What these handlers may reach. */
export type CanvasDeps = Pick<GatewayServices, "canvasFiles" | "canvasUrl" | "invoker">;


const DEFAULT_SESSION = "main";

/** `canvas.write`: text or base64 content into a session folder the canvas host serves. */
export const canvasWriteHandler =
  (s: CanvasDeps): Handler<"canvas.write"> =>
  async ({ session = DEFAULT_SESSION, path, content, contentBase64 }) => {
    if ((content === undefined) === (contentBase64 === undefined)) {
      throw new GatewayError("params_invalid", "canvas.write needs exactly one of content or contentBase64");
    }
    const data = content !== undefined ? Buffer.from(content, "utf8") : Buffer.from(contentBase64!, "base64");
    const bytes = await s.canvasFiles.write(session, path, data);
    return { session, path, bytes, url: `${s.canvasUrl(session)}${path.replace(/^\/+/, "")}` };
  };

/** `canvas.list` */
export const canvasListHandler =
  (s: CanvasDeps): Handler<"canvas.list"> =>
  async (params) => {
    const session = params?.session ?? DEFAULT_SESSION;
    return { session, url: s.canvasUrl(session), files: await s.canvasFiles.list(session) };
  };

/** `canvas.delete` */
export const canvasDeleteHandler =
  (s: CanvasDeps): Handler<"canvas.delete"> =>
  async ({ session = DEFAULT_SESSION, path }) => ({ session, path, deleted: await s.canvasFiles.delete(session, path) });

/** `canvas.a2ui.push`: routed to the node as its `canvas.a2ui.push` command. */
export const canvasA2uiPushHandler =
  (s: CanvasDeps): Handler<"canvas.a2ui.push"> =>
  async ({ nodeId, messages, timeoutMs, idempotencyKey }) => {
    const out = await s.invoker.invoke({
      nodeId,
      command: "canvas.a2ui.push",
      params: { messages },
      idempotencyKey,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
    return { ok: true as const, nodeId, ...(out.payload !== undefined ? { payload: out.payload } : {}) };
  };
