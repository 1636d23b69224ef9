// What every page gets from the app: the connection, what it may call, and the app's ways of
// talking to the person (notes, confirmation dialogs) and of redrawing.

import type { TemplateResult } from "lit";
import type { BrowserGatewayClient, MethodName } from "@clawdbot/protocol/browser";
import type { PageId, Route } from "./router.js";

export interface DialogRequest<T> {
  title: string;
  body: TemplateResult | string;
  confirmLabel: string;
  /** A destructive action (the confirm button says so). */
  danger?: boolean;
  /** Reads the dialog's form when confirmed; the dialog resolves with it (default `true`). */
  read?: (form: HTMLFormElement) => T;
}

export interface Ctx {
  readonly client: BrowserGatewayClient;
  /** True when this connection's scopes reach `method` (write actions are hidden otherwise). */
  can(method: MethodName): boolean;
  /** Redraws the app (batched). */
  update(): void;
  /** A short note in the notes area; errors are announced at once. */
  note(message: string, kind?: "ok" | "error"): void;
  /** Runs an action, notes the gateway's message if it fails; resolves to undefined then. */
  act<T>(what: string, fn: () => Promise<T>, done?: string): Promise<T | undefined>;
  /** Asks for confirmation in a modal dialog; null when cancelled. */
  dialog<T = true>(req: DialogRequest<T>): Promise<T | null>;
  now(): number;
}

/** One page of the Control UI. */
export interface Page {
  readonly id: PageId;
  readonly title: string;
  /** Loads fresh data: the page was opened or the connection (re)opened. */
  refresh(route: Route): Promise<void>;
  view(route: Route): TemplateResult;
  /** The page stops being shown (timers, long waits end). */
  leave?(): void;
}

/** The message of a failed request, for people. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
