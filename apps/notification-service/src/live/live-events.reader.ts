import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  eventBusRedisUrl,
  reconnectForever,
  redisOptionsFromUrl,
} from '@app/common';
import { EVENT_TYPES, type EventType } from '@app/contracts';
import {
  ENVELOPE_FIELD,
  EventTrust,
  parseEnvelope,
  streamKey,
  TARGET_GROUP_FIELD,
  type EnvelopeVerifier,
  type EventEnvelope,
} from '@app/event-bus';
import { Redis } from 'ioredis';
import type { LiveCursor } from './live-cursor.js';
import { compareStreamIds } from './stream-ids.js';

/** One event of a stream, with its entry id (the position a cursor keeps). */
export interface LiveEntry {
  type: EventType;
  id: string;
  event: EventEnvelope;
}

type StreamEntry = [id: string, fields: string[]];

const KEY_PREFIX = 'eventbus:';
const BLOCK_MS = 1_000;
const READ_COUNT = 500;
/** Entries read per XRANGE while a client catches up. */
const PAGE = 500;
/** Wait before reading again after a Redis error. */
const RETRY_MS = 1_000;
const pause = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Follows every event stream of the bus with one blocking reader and hands
 * each new entry to the listeners (the WebSocket clients), in stream order.
 * `readAfter` reads what a client missed, from the same streams, so a
 * client that reconnects with its cursor gets everything in between: the
 * streams keep events for the bus's retention (a day by default).
 */
@Injectable()
export class LiveEventsReader
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(LiveEventsReader.name);
  private readonly listeners = new Set<(entry: LiveEntry) => void>();
  /** Per type, the last entry handed to the listeners. */
  private readonly positions = new Map<EventType, string>();
  private blocking?: Redis;
  private queries?: Redis;
  private running = false;
  private loop?: Promise<void>;
  private lastError?: string;
  private markReady!: () => void;
  /** Resolves once the reader knows where each stream ends. */
  readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));

  /** Only events their publisher signed reach a browser (not decrypted). */
  private readonly verify = (event: EventEnvelope) =>
    this.trust.open(event, { decrypt: false });

  constructor(
    private readonly config: ConfigService,
    private readonly trust: EventTrust,
  ) {}

  onApplicationBootstrap(): void {
    const options = {
      ...redisOptionsFromUrl(eventBusRedisUrl(this.config)),
      maxRetriesPerRequest: null,
      retryStrategy: reconnectForever(),
    };
    this.blocking = new Redis(options);
    this.queries = new Redis(options);
    for (const redis of [this.blocking, this.queries]) {
      redis.on('error', (error: Error) => this.report(error));
    }
    this.running = true;
    this.loop = this.follow();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.blocking?.disconnect();
    await this.loop;
    this.queries?.disconnect();
  }

  /** Calls `listener` with every new entry; returns the unsubscribe. */
  subscribe(listener: (entry: LiveEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Where each stream stands now: a cursor from which nothing is missed. */
  position(types: readonly EventType[]): LiveCursor {
    const cursor: LiveCursor = {};
    for (const type of types) cursor[type] = this.positions.get(type);
    return cursor;
  }

  /**
   * Whether events of `type` after `afterId` may have been removed, so a
   * client resuming from there would miss them: retention trims a stream
   * from its head, so that is when the oldest entry left is newer than the
   * position and entries were trimmed, or when an entry after the position
   * was deleted. (It may err towards yes when the trim stopped exactly
   * after the position.)
   */
  async trimmedAfter(type: EventType, afterId: string): Promise<boolean> {
    let reply: unknown[];
    try {
      reply = (await this.queries!.xinfo(
        'STREAM',
        streamKey(KEY_PREFIX, type),
      )) as unknown[];
    } catch (error) {
      // No stream at all: everything after a real position is gone.
      if ((error as Error).message.includes('no such key')) {
        return afterId !== '0-0';
      }
      throw error;
    }
    const info = new Map<string, unknown>();
    for (let i = 0; i + 1 < reply.length; i += 2) {
      info.set(String(reply[i]), reply[i + 1]);
    }
    const after = (id: unknown) =>
      typeof id === 'string' && compareStreamIds(id, afterId) > 0;
    if (after(info.get('max-deleted-entry-id'))) return true;
    if (Number(info.get('entries-added')) <= Number(info.get('length'))) {
      return false;
    }
    const first = info.get('first-entry') as [string, string[]] | null;
    return first ? after(first[0]) : after(info.get('last-generated-id'));
  }

  /** The entries of `type` after `afterId`, oldest first, page by page. */
  async *readAfter(
    type: EventType,
    afterId: string,
    pageSize = PAGE,
  ): AsyncGenerator<LiveEntry> {
    let from = `(${afterId}`;
    for (;;) {
      const page = (await this.queries!.xrange(
        streamKey(KEY_PREFIX, type),
        from,
        '+',
        'COUNT',
        pageSize,
      )) as StreamEntry[];
      for (const [id, fields] of page) {
        const entry = toEntry(type, id, fields, this.verify);
        if (entry) yield entry;
      }
      if (page.length < pageSize) return;
      from = `(${page.at(-1)![0]}`;
    }
  }

  private async follow(): Promise<void> {
    await this.findStreamEnds();
    this.markReady();
    const keys = EVENT_TYPES.map((type) => streamKey(KEY_PREFIX, type));
    while (this.running) {
      try {
        const reply = await this.blocking!.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...keys,
          ...EVENT_TYPES.map((type) => this.positions.get(type) ?? '0-0'),
        );
        this.lastError = undefined;
        for (const [key, entries] of reply ?? []) {
          const type = key.slice(KEY_PREFIX.length + 'stream:'.length);
          for (const [id, fields] of entries) {
            this.positions.set(type as EventType, id);
            const entry = toEntry(type as EventType, id, fields, this.verify);
            if (entry) for (const listener of this.listeners) listener(entry);
          }
        }
      } catch (error) {
        if (!this.running) return;
        this.report(error as Error);
        await pause(RETRY_MS);
      }
    }
  }

  /** Starts at the current end of each stream: history is for `since`. */
  private async findStreamEnds(): Promise<void> {
    while (this.running) {
      try {
        for (const type of EVENT_TYPES) {
          const [last] = (await this.queries!.xrevrange(
            streamKey(KEY_PREFIX, type),
            '+',
            '-',
            'COUNT',
            1,
          )) as StreamEntry[];
          this.positions.set(type, last?.[0] ?? '0-0');
        }
        return;
      } catch (error) {
        this.report(error as Error);
        await pause(RETRY_MS);
      }
    }
  }

  private report(error: Error): void {
    if (error.message === this.lastError) return;
    this.lastError = error.message;
    this.logger.warn(`Live events reader: ${error.message}`);
  }
}

/**
 * The entry's event; nothing for an entry that is not a valid event, or
 * that replays a dead letter to one consumer group (not a new event).
 */
function toEntry(
  type: EventType,
  id: string,
  fields: string[],
  verify: EnvelopeVerifier,
): LiveEntry | undefined {
  const record = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    record.set(fields[i], fields[i + 1]);
  }
  const json = record.get(ENVELOPE_FIELD);
  if (json === undefined || record.has(TARGET_GROUP_FIELD)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return undefined;
  }
  const parsed = parseEnvelope(type, raw, verify);
  return parsed.ok ? { type, id, event: parsed.envelope } : undefined;
}
