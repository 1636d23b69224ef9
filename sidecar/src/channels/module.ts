import { Type, type Static, type TObject, type TOptional, type TRecord, type TString } from "@sinclair/typebox";
import type { Logger } from "pino";
import type { ChannelAccount } from "./access-schema.js";
import type { AdapterEvents, ChannelAdapter } from "./types.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** Account ids name folders and appear in commands: a conservative alphabet. */
export const ACCOUNT_ID_PATTERN = "^[a-z0-9][a-z0-9_-]{0,63}$";
export const DEFAULT_ACCOUNT_ID = "default";

/** What `create` is given to build one account's adapter. */
export interface ChannelDeps<A extends ChannelAccount, T> {
  account: A;
  stateDir: string;
  log: Logger;
  now: () => number;
  events: AdapterEvents;
  /** The channel's transport seam (e.g. a socket factory); the real one when absent. */
  transport: T | undefined;
}

/**
 * A channel, as one folder under `channels/<id>/` exports it. Everything the gateway knows about
 * a channel comes from here: config schema, defaults, secrets, labels and the adapter factory.
 */
export interface ChannelModule<Id extends string, S extends TObject, A extends ChannelAccount, T = never> {
  readonly id: Id;
  /** Shown by clients (`channelLabels`). */
  readonly label: string;
  /** Longer description (`channelDetailLabels`). */
  readonly detailLabel: string;
  /** Longest text one provider message may carry (the outbox chunks to it). */
  readonly textLimit: number;
  /** Text up to this length goes out as the caption of the media it accompanies (0: none). */
  readonly captionLimit?: number;
  /** Splits outbound text into provider messages when more than a length limit applies (escaping, line caps); chunkText at textLimit otherwise. */
  chunk?(text: string): string[];
  /** One account's settings in clawdbot.json. */
  readonly accountSchema: S;
  /** Fills in defaults and env fallbacks; throws ConfigError naming the key on contradictions. */
  resolve(file: Static<S>, env: Env, account: { id: string; isDefault: boolean; path: string }): A;
  /** The file section as `config.get` may show it. */
  redact(file: Static<S>): Static<S>;
  /** Every secret an account holds, so errors, logs and status never show them. */
  secrets(account: A): string[];
  /** No sign of life for this long means the connection went deaf: the registry restarts it. */
  staleAfterMs(account: A): number;
  /** Builds an account's adapter; loaded on demand so the CLI never pays for channel libraries. */
  create(deps: ChannelDeps<A, T>): Promise<ChannelAdapter>;
}

/** A module with its types erased, as lists hold them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyChannelModule = ChannelModule<string, TObject, any, any>;

/** Declares a channel module, keeping its id literal and its schema types precise. */
export function defineChannel<const Id extends string, S extends TObject, A extends ChannelAccount, T = never>(
  m: ChannelModule<Id, S, A, T>,
): ChannelModule<Id, S, A, T> {
  return m;
}

/** `channels.<id>` in clawdbot.json: one account's keys (the default account), or several under `accounts`. */
export type SectionSchema<S extends TObject> = TObject<
  S["properties"] & {
    defaultAccount: TOptional<TString>;
    accounts: TOptional<TRecord<TString, S>>;
  }
>;

/** Builds the config section schema of a module's account schema. */
export function sectionSchema<S extends TObject>(account: S): SectionSchema<S> {
  return Type.Object(
    {
      ...account.properties,
      defaultAccount: Type.Optional(Type.String({ pattern: ACCOUNT_ID_PATTERN, description: "account used when a request names none" })),
      accounts: Type.Optional(
        Type.Record(Type.String({ pattern: ACCOUNT_ID_PATTERN }), account, {
          additionalProperties: false,
          description: "several accounts (ids: lower-case letters, digits, - and _); top-level keys are their defaults",
        }),
      ),
    },
    { additionalProperties: false },
  ) as unknown as SectionSchema<S>;
}

/** A channel's resolved accounts. */
export interface ResolvedChannel<A extends ChannelAccount = ChannelAccount> {
  readonly accounts: Readonly<Record<string, A>>;
  readonly defaultAccountId: string;
}

/** The file's account entries: the top level alone, or each of `accounts` over the top level. */
export function accountEntries(section: Record<string, unknown>): { id: string; file: Record<string, unknown> }[] {
  const { accounts, defaultAccount: _d, ...base } = section as { accounts?: Record<string, Record<string, unknown>>; defaultAccount?: string };
  if (!accounts || Object.keys(accounts).length === 0) return [{ id: DEFAULT_ACCOUNT_ID, file: base }];
  return Object.entries(accounts).map(([id, own]) => ({ id, file: { ...base, ...own } }));
}

/** Which account a request that names none goes to. */
export function defaultAccountOf(section: Record<string, unknown>, ids: readonly string[]): string {
  const named = section["defaultAccount"];
  if (typeof named === "string" && ids.includes(named)) return named;
  return ids.includes(DEFAULT_ACCOUNT_ID) ? DEFAULT_ACCOUNT_ID : (ids[0] ?? DEFAULT_ACCOUNT_ID);
}
