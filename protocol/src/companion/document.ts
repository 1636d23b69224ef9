import type { TSchema } from "@sinclair/typebox";
import * as s from "./schema.js";

/** The companion's stdio protocol as one JSON Schema document (the Swift shell's models come from it). */
export function companionSchemaDocument(): Record<string, unknown> {
  const defs: Record<string, TSchema> = {
    GatewayState: s.GatewayStateSchema,
    GatewaySummary: s.GatewaySummarySchema,
    PendingPairing: s.PendingPairingSchema,
    ChannelSummary: s.ChannelSummarySchema,
    NodeSummary: s.NodeSummarySchema,
    ServiceSummary: s.ServiceSummarySchema,
    PermissionName: s.PermissionNameSchema,
    PermissionStatus: s.PermissionStatusSchema,
    PermissionState: s.PermissionStateSchema,
    MenuLeaf: s.MenuLeafSchema,
    MenuItem: s.MenuItemSchema,
    MenuSection: s.MenuSectionSchema,
    MenuModel: s.MenuModelSchema,
    NotificationAction: s.NotificationActionSchema,
    MenuMessage: s.MenuMessageSchema,
    NotifyMessage: s.NotifyMessageSchema,
    OpenUrlMessage: s.OpenUrlMessageSchema,
    ClipboardMessage: s.ClipboardMessageSchema,
    ErrorMessage: s.ErrorMessageSchema,
    QuitMessage: s.QuitMessageSchema,
    CompanionMessage: s.CompanionMessageSchema,
    HelloMessage: s.HelloMessageSchema,
    ClickMessage: s.ClickMessageSchema,
    NotificationActionMessage: s.NotificationActionMessageSchema,
    ShellMessage: s.ShellMessageSchema,
  };
  // JSON round trip drops TypeBox's symbol keys so the document is plain JSON Schema.
  return JSON.parse(
    JSON.stringify({
      $schema: "http://json-schema.org/draft-07/schema#",
      $id: "https://clawdbot.local/companion/v1/companion.schema.json",
      title: "Clawdbot companion stdio protocol",
      protocolVersion: s.COMPANION_PROTOCOL_VERSION,
      definitions: defs,
    }),
  ) as Record<string, unknown>;
}
