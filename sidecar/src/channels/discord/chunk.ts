import { chunkText } from "../chunk.js";

/** Longest content of one message. */
export const DISCORD_TEXT_LIMIT = 2000;
/** Clients collapse taller messages. */
export const DISCORD_MAX_LINES = 17;

const FENCE = /^\s*(```+|~~~+)/;
/** Room kept on every line piece for a fence marker and its newline. */
const MARKER_ROOM = 16;

interface Fence {
  marker: string;
  /** The line that opened the block (with its language), repeated at the top of the next message. */
  opener: string;
}

/**
 * Splits text into Discord messages of at most `maxChars` characters and `maxLines` lines (clients
 * collapse taller messages). Breaks fall between lines; a line longer than a message is split on
 * words. A code block cut by a break is closed at the end of one message and reopened (with its
 * language) at the top of the next, so each message renders on its own.
 */
export function discordChunks(text: string, maxChars: number, maxLines: number): string[] {
  const out: string[] = [];
  let lines: string[] = [];
  let fence: Fence | undefined;
  const size = (list: string[]) => list.reduce((n, l) => n + l.length, 0) + Math.max(0, list.length - 1);
  const fits = (next: string[], open: Fence | undefined) => {
    const closed = open ? [...next, open.marker] : next;
    return size(closed) <= maxChars && closed.length <= maxLines;
  };
  const flush = () => {
    out.push((fence ? [...lines, fence.marker] : lines).join("\n"));
    lines = fence ? [fence.opener.length <= 64 ? fence.opener : fence.marker] : [];
  };
  for (const line of text.split("\n")) {
    for (const piece of line.length > maxChars - MARKER_ROOM ? chunkText(line, maxChars - MARKER_ROOM) : [line]) {
      const m = FENCE.exec(piece);
      const after: Fence | undefined = m ? (fence ? undefined : { marker: m[1]!, opener: piece.trim() }) : fence;
      const reopened = fence !== undefined && lines.length === 1;
      if (lines.length > 0 && !reopened && !fits([...lines, piece], after)) flush();
      lines.push(piece);
      fence = after;
    }
  }
  // A block reopened at the top of a message that then got nothing else adds nothing.
  if (fence && lines.length === 1 && out.length > 0) lines = [];
  fence = undefined;
  if (lines.length > 0 || out.length === 0) flush();
  return out;
}
