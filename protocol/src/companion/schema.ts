// The stdio protocol between `clawdbot companion --stdio` and its native shell (the macOS menubar
// app): one JSON object per line each way. The companion keeps every decision; the shell renders
// the menu model, forwards clicks and notification actions, and opens URLs.
import { Type, type Static } from "@sinclair/typebox";
import { EpochMs, NonEmptyString } from "../schema/primitives.js";

export const COMPANION_PROTOCOL_VERSION = 1;

const strict = { additionalProperties: false } as const;

export const GatewayStateSchema = Type.Union([
  Type.Literal("running"),
  Type.Literal("stopped"),
  Type.Literal("unreachable"),
  Type.Literal("pairing-required"),
]);
export type GatewayState = Static<typeof GatewayStateSchema>;

/** The gateway as the companion sees it. */
export const GatewaySummarySchema = Type.Object(
  {
    state: GatewayStateSchema,
    /** WebSocket URL the companion connects to. */
    url: NonEmptyString,
    /** Why it is not running (connection error, pairing request), in words. */
    detail: Type.Optional(Type.String()),
    version: Type.Optional(NonEmptyString),
    uptimeMs: Type.Optional(Type.Integer({ minimum: 0 })),
    /** The companion's own pairing request while the gateway has not approved it. */
    pairingRequestId: Type.Optional(NonEmptyString),
  },
  strict,
);
export type GatewaySummary = Static<typeof GatewaySummarySchema>;

/** A device or node waiting for approval. */
export const PendingPairingSchema = Type.Object(
  {
    requestId: NonEmptyString,
    kind: Type.Union([Type.Literal("device"), Type.Literal("node")]),
    /** Display name, else client id, else a short id. */
    name: NonEmptyString,
    clientId: Type.Optional(NonEmptyString),
    platform: Type.Optional(NonEmptyString),
    address: Type.Optional(NonEmptyString),
    role: Type.Optional(NonEmptyString),
    /** What approving grants; nodes ask for commands instead. */
    scopes: Type.Array(NonEmptyString),
    commands: Type.Array(NonEmptyString),
    ts: EpochMs,
  },
  strict,
);
export type PendingPairing = Static<typeof PendingPairingSchema>;

export const ChannelSummarySchema = Type.Object(
  {
    name: NonEmptyString,
    accountId: Type.Optional(NonEmptyString),
    configured: Type.Boolean(),
    running: Type.Boolean(),
    connected: Type.Boolean(),
    lastError: Type.Optional(Type.String()),
    /** WhatsApp was logged out on the phone: scan a new QR code. */
    needsRelink: Type.Boolean(),
  },
  strict,
);
export type ChannelSummary = Static<typeof ChannelSummarySchema>;

export const NodeSummarySchema = Type.Object(
  { nodeId: NonEmptyString, name: NonEmptyString, platform: Type.Optional(NonEmptyString), connected: Type.Boolean() },
  strict,
);
export type NodeSummary = Static<typeof NodeSummarySchema>;

/** The gateway service (LaunchAgent / systemd user unit) as the daemon module reports it. */
export const ServiceSummarySchema = Type.Object(
  {
    /** launchd or systemd; absent where the daemon module does not manage services. */
    supervisor: Type.Optional(Type.Union([Type.Literal("launchd"), Type.Literal("systemd")])),
    installed: Type.Boolean(),
    loaded: Type.Boolean(),
    running: Type.Boolean(),
    pid: Type.Optional(Type.Integer({ minimum: 0 })),
    /** The supervisor's own word ("running", "active (running)", "not loaded", …) or why it is unknown. */
    state: Type.String(),
  },
  strict,
);
export type ServiceSummary = Static<typeof ServiceSummarySchema>;

export const PermissionNameSchema = Type.Union([
  Type.Literal("camera"),
  Type.Literal("microphone"),
  Type.Literal("screen-recording"),
  Type.Literal("location"),
  Type.Literal("accessibility"),
  Type.Literal("full-disk-access"),
]);
export type PermissionName = Static<typeof PermissionNameSchema>;

export const PermissionStatusSchema = Type.Union([
  Type.Literal("granted"),
  Type.Literal("denied"),
  Type.Literal("not-determined"),
  Type.Literal("restricted"),
  Type.Literal("not-applicable"),
  Type.Literal("unknown"),
]);
export type PermissionStatus = Static<typeof PermissionStatusSchema>;

export const PermissionStateSchema = Type.Object(
  {
    name: PermissionNameSchema,
    label: NonEmptyString,
    status: PermissionStatusSchema,
    /** What the node loses without it. */
    neededFor: Type.Array(NonEmptyString),
  },
  strict,
);
export type PermissionState = Static<typeof PermissionStateSchema>;

/** One row of a submenu. */
export const MenuLeafSchema = Type.Object(
  {
    id: NonEmptyString,
    title: Type.String(),
    enabled: Type.Boolean(),
    checked: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type MenuLeaf = Static<typeof MenuLeafSchema>;

/** One row of the menu; `id` is what a click sends back. Disabled rows are information. */
export const MenuItemSchema = Type.Object(
  {
    id: NonEmptyString,
    title: Type.String(),
    /** Secondary text (tooltip / subtitle). */
    detail: Type.Optional(Type.String()),
    enabled: Type.Boolean(),
    checked: Type.Optional(Type.Boolean()),
    /** SF Symbol name the shell may show next to the title. */
    symbol: Type.Optional(NonEmptyString),
    children: Type.Optional(Type.Array(MenuLeafSchema)),
  },
  strict,
);
export type MenuItem = Static<typeof MenuItemSchema>;

/** A group of rows, drawn between separators. */
export const MenuSectionSchema = Type.Object(
  { id: NonEmptyString, title: Type.Optional(Type.String()), items: Type.Array(MenuItemSchema) },
  strict,
);
export type MenuSection = Static<typeof MenuSectionSchema>;

/** Everything the menu shows: the facts, and the rows drawn from them. */
export const MenuModelSchema = Type.Object(
  {
    gateway: GatewaySummarySchema,
    pending: Type.Array(PendingPairingSchema),
    channels: Type.Array(ChannelSummarySchema),
    nodes: Type.Array(NodeSummarySchema),
    service: ServiceSummarySchema,
    permissions: Type.Object(
      { applicable: Type.Boolean(), items: Type.Array(PermissionStateSchema) },
      strict,
    ),
    /** The outcome of the last action (approved, failed to start, …), shown at the top until the next. */
    notice: Type.Optional(Type.String()),
    sections: Type.Array(MenuSectionSchema),
  },
  strict,
);
export type MenuModel = Static<typeof MenuModelSchema>;

export const NotificationActionSchema = Type.Object({ id: NonEmptyString, title: NonEmptyString }, strict);

// Companion → shell.
export const MenuMessageSchema = Type.Object({ type: Type.Literal("menu"), menu: MenuModelSchema }, strict);
export const NotifyMessageSchema = Type.Object(
  {
    type: Type.Literal("notify"),
    /** Echoed in `notification-action`; also the notification's identifier. */
    id: NonEmptyString,
    title: NonEmptyString,
    body: Type.String(),
    actions: Type.Array(NotificationActionSchema),
  },
  strict,
);
export const OpenUrlMessageSchema = Type.Object({ type: Type.Literal("open-url"), url: NonEmptyString }, strict);
/** Put text on the pasteboard (Copy gateway URL). */
export const ClipboardMessageSchema = Type.Object({ type: Type.Literal("clipboard"), text: NonEmptyString }, strict);
/** A line from the shell was not understood or an action failed; nothing else happened. */
export const ErrorMessageSchema = Type.Object(
  {
    type: Type.Literal("error"),
    code: Type.Union([Type.Literal("INVALID_MESSAGE"), Type.Literal("UNKNOWN_ITEM"), Type.Literal("ACTION_FAILED")]),
    message: NonEmptyString,
  },
  strict,
);
/** The user chose Quit: the shell terminates; the companion exits after this line. */
export const QuitMessageSchema = Type.Object({ type: Type.Literal("quit") }, strict);

export const CompanionMessageSchema = Type.Union([
  MenuMessageSchema,
  NotifyMessageSchema,
  OpenUrlMessageSchema,
  ClipboardMessageSchema,
  ErrorMessageSchema,
  QuitMessageSchema,
]);
export type CompanionMessage = Static<typeof CompanionMessageSchema>;

// Shell → companion.
export const HelloMessageSchema = Type.Object(
  { type: Type.Literal("hello"), shellVersion: NonEmptyString, protocol: Type.Optional(Type.Integer({ minimum: 1 })) },
  strict,
);
export const ClickMessageSchema = Type.Object({ type: Type.Literal("click"), itemId: NonEmptyString }, strict);
export const NotificationActionMessageSchema = Type.Object(
  { type: Type.Literal("notification-action"), id: NonEmptyString, action: NonEmptyString },
  strict,
);

export const ShellMessageSchema = Type.Union([HelloMessageSchema, ClickMessageSchema, NotificationActionMessageSchema]);
export type ShellMessage = Static<typeof ShellMessageSchema>;
