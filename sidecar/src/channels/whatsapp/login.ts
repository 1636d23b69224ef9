import type { LoginCode, LoginOutcome } from "../types.js";

/** WhatsApp lets the first QR code live 60 s and each rotated one 20 s. */
export const FIRST_QR_TTL_MS = 60_000;
export const NEXT_QR_TTL_MS = 20_000;
/** A pairing code stays valid for a few minutes. */
export const PAIRING_CODE_TTL_MS = 180_000;

/** One linking attempt: its first code, the codes after it, and how it ended. */
export class LoginAttempt {
  readonly firstCode: Promise<LoginCode>;
  readonly outcome: Promise<LoginOutcome>;
  pairingRequested = false;
  private codes = 0;
  private resolveFirst!: (c: LoginCode) => void;
  private rejectFirst!: (err: Error) => void;
  private resolveOutcome!: (o: LoginOutcome) => void;
  private ended = false;

  constructor(
    readonly phone: string | undefined,
    private readonly onCode: (code: LoginCode) => void,
  ) {
    this.firstCode = new Promise((resolve, reject) => {
      this.resolveFirst = resolve;
      this.rejectFirst = reject;
    });
    this.firstCode.catch(() => undefined);
    this.outcome = new Promise((resolve) => (this.resolveOutcome = resolve));
  }

  /** A QR code (first, or rotated) or a pairing code arrived. */
  code(code: LoginCode): void {
    if (this.ended) return;
    if (this.codes++ === 0) this.resolveFirst(code);
    else this.onCode(code);
  }

  /** How long the next QR code lives. */
  qrTtl(): number {
    return this.codes === 0 ? FIRST_QR_TTL_MS : NEXT_QR_TTL_MS;
  }

  get active(): boolean {
    return !this.ended;
  }

  end(outcome: LoginOutcome): void {
    if (this.ended) return;
    this.ended = true;
    this.rejectFirst(new Error(outcome.message));
    this.resolveOutcome(outcome);
  }
}

/** Resolves with `value` after `ms` unless `p` settles first; the timer never outlives the race. */
export async function within<T>(p: Promise<T>, ms: number, value: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(value), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
