import type { AuthenticatedUser } from '@app/common';
import type { EventType } from '@app/contracts';
import { redactSensitive } from '@app/event-bus';
import { maySee } from './live-access.js';
import { encodeCursor, type LiveCursor } from './live-cursor.js';
import type { LiveEntry } from './live-events.reader.js';
import { compareStreamIds } from './stream-ids.js';

/** What a subscription needs of a WebSocket (the `ws` library's). */
export interface LiveSocket {
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code: number, reason: string): void;
}

/** Where a client catching up reads what it missed (`LiveEventsReader`). */
export interface LiveHistory {
  readAfter(type: EventType, afterId: string): AsyncIterable<LiveEntry>;
  trimmedAfter(type: EventType, afterId: string): Promise<boolean>;
}

/** A client that lets this much pile up unsent is dropped: it can resume. */
export const MAX_BUFFERED_BYTES = 16 * 2 ** 20;
export const CLOSE_TOO_SLOW = 1013;

/**
 * One WebSocket client's view of the bus: the events of its types that it
 * may see, each once and in stream order, with the cursor to resume from.
 * While it catches up from `since`, live entries wait in a buffer; anything
 * at or before the cursor of its type was sent already and is skipped.
 */
export class LiveSubscription {
  private readonly types: ReadonlySet<EventType>;
  private catchingUp = true;
  private buffered: LiveEntry[] = [];
  private closed = false;

  constructor(
    private readonly socket: LiveSocket,
    private readonly user: AuthenticatedUser,
    types: readonly EventType[],
    /** Where this client stands in each stream; advanced as events go. */
    private readonly cursor: LiveCursor,
  ) {
    this.types = new Set(types);
  }

  /** A new entry from the reader. */
  offer(entry: LiveEntry): void {
    if (!this.types.has(entry.type) || this.closed) return;
    if (this.catchingUp) this.buffered.push(entry);
    else this.deliver(entry);
  }

  /**
   * Sends what the client missed (oldest first across its types), then what
   * arrived meanwhile, and goes live. Without `since`, nothing was missed.
   * Types whose missed events were partly trimmed away (too old a cursor)
   * are named in a `gap` message first.
   */
  async catchUp(history: LiveHistory): Promise<void> {
    const entries: LiveEntry[] = [];
    const trimmed: EventType[] = [];
    for (const type of this.types) {
      const afterId = this.cursor[type];
      if (!afterId) continue;
      if (await history.trimmedAfter(type, afterId)) trimmed.push(type);
      for await (const entry of history.readAfter(type, afterId)) {
        entries.push(entry);
      }
    }
    entries.sort(byStreamTime);
    this.send({ type: 'ready', cursor: encodeCursor(this.cursor) });
    if (trimmed.length > 0) this.send({ type: 'gap', eventTypes: trimmed });
    for (const entry of entries) this.deliver(entry);
    for (const entry of this.buffered.sort(byStreamTime)) this.deliver(entry);
    this.buffered = [];
    this.catchingUp = false;
  }

  close(): void {
    this.closed = true;
  }

  private deliver(entry: LiveEntry): void {
    if (this.closed) return;
    const last = this.cursor[entry.type];
    if (last && compareStreamIds(entry.id, last) <= 0) return;
    this.cursor[entry.type] = entry.id;
    if (!maySee(this.user, entry.event)) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.closed = true;
      this.socket.close(
        CLOSE_TOO_SLOW,
        'Too far behind: reconnect with the last cursor',
      );
      return;
    }
    this.send({
      type: 'event',
      cursor: encodeCursor(this.cursor),
      event: redactSensitive(entry.event),
    });
  }

  private send(message: object): void {
    this.socket.send(JSON.stringify(message));
  }
}

const byStreamTime = (a: LiveEntry, b: LiveEntry) =>
  compareStreamIds(a.id, b.id);
