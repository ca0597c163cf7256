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
  /** `done` runs once the data is written out (or the socket failed). */
  send(data: string, done?: (error?: Error) => void): void;
  close(code: number, reason: string): void;
}

/** Where a client catching up reads what it missed (`LiveEventsReader`). */
export interface LiveHistory {
  /** Entries after `afterId`, oldest first, read `pageSize` at a time. */
  readAfter(
    type: EventType,
    afterId: string,
    pageSize?: number,
  ): AsyncIterable<LiveEntry>;
  trimmedAfter(type: EventType, afterId: string): Promise<boolean>;
}

/** A live client that lets this much pile up unsent is dropped: it can resume. */
export const MAX_BUFFERED_BYTES = 16 * 2 ** 20;
export const CLOSE_TOO_SLOW = 1013;
/** Entries read per stream and page while a client catches up. */
export const REPLAY_PAGE_SIZE = 50;
/** A replay waits for the socket to drain past this many unsent bytes. */
export const REPLAY_HIGH_WATER_BYTES = 2 ** 20;
/**
 * Live entries kept while a client catches up; past this they are dropped
 * and read again from the streams (where they are anyway).
 */
export const MAX_PENDING_LIVE_ENTRIES = 1_000;

/**
 * One WebSocket client's view of the bus: the events of its types that it
 * may see, each once and in stream order, with the cursor to resume from.
 * While it catches up from `since`, the missed events are read page by page
 * and sent as the socket drains, so a client's memory stays bounded however
 * far back it starts; live entries it may see wait in a bounded buffer, and
 * anything at or before the cursor of its type was sent already and is
 * skipped.
 */
export class LiveSubscription {
  private readonly types: ReadonlySet<EventType>;
  private catchingUp = true;
  private pending: LiveEntry[] = [];
  private pendingOverflowed = false;
  private closed = false;

  constructor(
    private readonly socket: LiveSocket,
    readonly user: AuthenticatedUser,
    types: readonly EventType[],
    /** Where this client stands in each stream; advanced as events go. */
    private readonly cursor: LiveCursor,
  ) {
    this.types = new Set(types);
  }

  /** A new entry from the reader. */
  offer(entry: LiveEntry): void {
    if (!this.types.has(entry.type) || this.closed) return;
    if (!this.catchingUp) {
      void this.deliver(entry);
      return;
    }
    // Only what this client may see takes buffer space.
    if (!maySee(this.user, entry.event)) return;
    if (this.pending.length >= MAX_PENDING_LIVE_ENTRIES) {
      this.pending = [];
      this.pendingOverflowed = true;
      return;
    }
    this.pending.push(entry);
  }

  /**
   * Sends what the client missed (oldest first across its types), then what
   * arrived meanwhile, and goes live. Without `since`, nothing was missed.
   * A replay starts no earlier than `floorId` (the oldest a client may ask
   * for); types whose missed events were trimmed away or lie before the
   * floor are named in a `gap` message first.
   */
  async catchUp(history: LiveHistory, floorId?: string): Promise<void> {
    const gaps: EventType[] = [];
    for (const type of this.types) {
      const afterId = this.cursor[type];
      if (!afterId) continue;
      if (await history.trimmedAfter(type, afterId)) {
        gaps.push(type);
      } else if (
        floorId &&
        compareStreamIds(afterId, floorId) < 0 &&
        (await hasEntryBefore(history, type, afterId, floorId))
      ) {
        gaps.push(type);
      }
      if (floorId && compareStreamIds(afterId, floorId) < 0) {
        this.cursor[type] = floorId;
      }
    }
    void this.send({ type: 'ready', cursor: encodeCursor(this.cursor) });
    if (gaps.length > 0) void this.send({ type: 'gap', eventTypes: gaps });
    do {
      this.pendingOverflowed = false;
      await this.replay(history);
    } while (this.pendingOverflowed && !this.closed);
    for (const entry of this.pending.sort(byStreamTime)) {
      void this.deliver(entry);
    }
    this.pending = [];
    this.catchingUp = false;
  }

  close(): void {
    this.closed = true;
  }

  /** Merges the types' streams from the cursor, a page of each at a time. */
  private async replay(history: LiveHistory): Promise<void> {
    const heads: Array<{
      entries: AsyncIterator<LiveEntry>;
      entry: LiveEntry;
    }> = [];
    const advance = async (entries: AsyncIterator<LiveEntry>) => {
      const next = await entries.next();
      if (!next.done) heads.push({ entries, entry: next.value });
    };
    try {
      for (const type of this.types) {
        const afterId = this.cursor[type];
        if (!afterId) continue;
        await advance(
          history
            .readAfter(type, afterId, REPLAY_PAGE_SIZE)
            [Symbol.asyncIterator](),
        );
      }
      while (heads.length > 0 && !this.closed) {
        let oldest = 0;
        for (let i = 1; i < heads.length; i++) {
          if (byStreamTime(heads[i].entry, heads[oldest].entry) < 0) oldest = i;
        }
        const [head] = heads.splice(oldest, 1);
        await this.deliverPaced(head.entry);
        await advance(head.entries);
      }
    } finally {
      await Promise.all(
        heads.map(async ({ entries }) => {
          await entries.return?.();
        }),
      );
    }
  }

  /** Delivers, then waits while the socket holds too much unsent. */
  private async deliverPaced(entry: LiveEntry): Promise<void> {
    const written = this.deliver(entry, true);
    if (written && this.socket.bufferedAmount > REPLAY_HIGH_WATER_BYTES) {
      await written;
    }
  }

  /**
   * Sends the entry if it is new and visible; during a replay resolves once
   * it is written out, live a socket too far behind is dropped instead.
   */
  private deliver(entry: LiveEntry, paced = false): Promise<void> | undefined {
    if (this.closed) return;
    const last = this.cursor[entry.type];
    if (last && compareStreamIds(entry.id, last) <= 0) return;
    this.cursor[entry.type] = entry.id;
    if (!maySee(this.user, entry.event)) return;
    if (!paced && this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.closed = true;
      this.socket.close(
        CLOSE_TOO_SLOW,
        'Too far behind: reconnect with the last cursor',
      );
      return;
    }
    return this.send({
      type: 'event',
      cursor: encodeCursor(this.cursor),
      event: redactSensitive(entry.event),
    });
  }

  private send(message: object): Promise<void> {
    return new Promise((resolve) =>
      this.socket.send(JSON.stringify(message), () => resolve()),
    );
  }
}

/** Whether `type` has an entry after `afterId` and before `floorId`. */
async function hasEntryBefore(
  history: LiveHistory,
  type: EventType,
  afterId: string,
  floorId: string,
): Promise<boolean> {
  for await (const entry of history.readAfter(type, afterId, 1)) {
    return compareStreamIds(entry.id, floorId) < 0;
  }
  return false;
}

const byStreamTime = (a: LiveEntry, b: LiveEntry) =>
  compareStreamIds(a.id, b.id);
