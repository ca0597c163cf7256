import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { EventBusStats } from '../stats/event-bus.stats.js';
import { REDIS_COMMAND_TIMEOUT_MS } from '../event-bus.constants.js';
import type { HistoryIndex } from '../history/history-index.js';
import { reportErrorsOncePerOutage } from './redis-error-reporter.js';
import { busReconnectDelay } from './redis-retry.js';
import {
  ENVELOPE_FIELD,
  streamKey,
} from './streams/redis-streams.constants.js';

/**
 * Wait after a reconnect before sending what waited for Redis: pub/sub
 * reaches only who is subscribed, and subscribers that reconnect at the same
 * time need a moment to subscribe again.
 */
const SETTLE_AFTER_RECONNECT_MS = 1_000;
/** Wait before trying a failed flush of the memory buffer again. */
const FLUSH_RETRY_MS = 1_000;
/** How long `close()` lets commands in flight finish before disconnecting. */
const CLOSE_GRACE_MS = 500;
/**
 * Events per script call at most: a script holds Redis for its whole run
 * (about 10 µs an event here), so a long one would delay every client.
 */
const MAX_EVENTS_PER_COMMAND = 64;
/** How the script answers for an event Redis refused. */
const REFUSED = 'REFUSED ';

/**
 * The events sent in one turn of the event loop, in one command and one
 * atomic step in Redis. For each: the append to the type's stream (durable
 * consumers), the broadcast as Nest's Redis transport wire message
 * `{"pattern":<type>,"data":<envelope>}` on the channel named by the type
 * (stock Nest subscribers), and the entry in its correlation id's history
 * index, which needs the entry id that only the append knows. The
 * envelope's JSON travels once. The index is best effort (`pcall`): it
 * never fails a publish. An event Redis refuses (an ACL that forbids its
 * stream, memory full) fails alone: its reply is `REFUSED` and the reason,
 * the others' their entry ids.
 *
 * KEYS: per event, its stream and its correlation id's history index.
 * ARGV: envelope field, index TTL (s), then per event: envelope JSON,
 * channel, pattern as JSON, time (ms), index fields, and the time (ms)
 * before which index members go, or ''.
 */
const PUBLISH_SCRIPT = `
local replies = {}
for i = 1, #KEYS / 2 do
  local index = KEYS[2 * i]
  local a = 2 + (i - 1) * 6
  local entry = redis.pcall('XADD', KEYS[2 * i - 1], '*', ARGV[1], ARGV[a + 1])
  local sent = type(entry) == 'string' and entry
  if sent then
    sent = redis.pcall('PUBLISH', ARGV[a + 2], '{"pattern":' .. ARGV[a + 3] .. ',"data":' .. ARGV[a + 1] .. '}')
  end
  if type(sent) == 'table' then
    replies[i] = '${REFUSED}' .. tostring(sent.err)
  elseif not sent then
    replies[i] = '${REFUSED}' .. tostring(entry.err)
  else
    redis.pcall('ZADD', index, ARGV[a + 4], entry .. ' ' .. ARGV[a + 5])
    redis.pcall('EXPIRE', index, ARGV[2])
    if ARGV[a + 6] ~= '' then
      redis.pcall('ZREMRANGEBYSCORE', index, '-inf', ARGV[a + 6])
    end
    replies[i] = entry
  end
end
return replies
`;

/** `numberOfKeys`, then the keys and arguments of `PUBLISH_SCRIPT`. */
type PublishCommand = (
  numberOfKeys: number,
  ...keysAndArgs: Array<string | number>
) => Promise<string[]>;

interface QueuedEvent {
  event: EventEnvelope;
  json: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Redis did not take the event; it was not sent. */
export class EventNotSentError extends Error {
  constructor(reason: string) {
    super(`The event was not sent to Redis: ${reason}`);
    this.name = EventNotSentError.name;
  }
}

/**
 * Sends each event to Redis in one command (see `PUBLISH_SCRIPT`): appended
 * to its stream for durable consumers, broadcast over Nest's Redis transport,
 * indexed in the history under its correlation id. Concurrent publishes
 * share commands: those of one turn of the event loop go together, 64 at
 * most, and a full command goes out at once, so that Redis runs it while the
 * rest of the turn is still being published. No ioredis auto-pipelining: it
 * holds every command back while an earlier pipeline awaits its replies,
 * which left the publisher idle a quarter of the time at saturation.
 *
 * `send` and `publishNow` throw when Redis does not take the event; the bus
 * then keeps it in the outbox table. `publish` is for apps without a
 * database: it buffers in memory while Redis is away.
 */
export class RedisEventPublisher {
  private readonly logger = new Logger(RedisEventPublisher.name);
  private readonly redis: Redis;
  private readonly publishCommand: PublishCommand;
  private readonly buffer: EventEnvelope[] = [];
  private queued: QueuedEvent[] = [];
  private ready = false;
  private settled = false;
  private everReady = false;
  private flushing = false;
  private settleTimer?: NodeJS.Timeout;
  private flushTimer?: NodeJS.Timeout;

  constructor(
    redis: RedisOptions,
    private readonly options: { keyPrefix: string; history: HistoryIndex },
    private readonly stats: EventBusStats,
    private readonly maxBuffered: number,
  ) {
    this.redis = new Redis({
      ...redis,
      lazyConnect: true,
      // An event is taken by Redis or the caller hears of it at once: no
      // queue inside ioredis, no silent resend of a command that may have
      // run (the bus resends from the outbox; consumers drop duplicates).
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      retryStrategy: busReconnectDelay,
    });
    this.redis.defineCommand('publishEvents', { lua: PUBLISH_SCRIPT });
    this.publishCommand = (
      this.redis as unknown as { publishEvents: PublishCommand }
    ).publishEvents.bind(this.redis);
  }

  /** Redis takes events now. */
  get isConnected(): boolean {
    return this.ready;
  }

  /** Events waiting in memory (apps without a database only). */
  get bufferedCount(): number {
    return this.buffer.length;
  }

  connect(): void {
    reportErrorsOncePerOutage(this.redis, this.logger);
    this.redis.on('ready', () => this.onReady());
    this.redis.on('close', () => this.onClose());
    this.redis
      .connect()
      .catch((error: Error) =>
        this.logger.warn(
          `Event-bus Redis not reachable yet (${error.message}); retrying`,
        ),
      );
  }

  /**
   * Returns promptly whatever the state of Redis: commands in flight get a
   * short grace, then the connection and its reconnect loop end.
   */
  async close(): Promise<void> {
    clearTimeout(this.settleTimer);
    clearTimeout(this.flushTimer);
    if (this.buffer.length > 0) {
      this.logger.error(
        `Closing with ${this.buffer.length} events Redis never took (no database to keep them in): ${this.buffer
          .slice(0, 20)
          .map((event) => `${event.type} ${event.id}`)
          .join(', ')}`,
      );
    }
    if (this.redis.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.redis.quit().catch(() => undefined),
        new Promise((done) => (timer = setTimeout(done, CLOSE_GRACE_MS))),
      ]);
      clearTimeout(timer);
    }
    this.redis.disconnect();
  }

  /**
   * Sends the event now or throws `EventNotSentError`. `json`: the event's
   * JSON text when the caller has it (the signer made it).
   */
  async send(
    event: EventEnvelope,
    json = JSON.stringify(event),
  ): Promise<void> {
    if (!this.ready) throw new EventNotSentError('Redis is not connected');
    await new Promise<void>((resolve, reject) => {
      this.queued.push({ event, json, resolve, reject });
      if (this.queued.length >= MAX_EVENTS_PER_COMMAND) this.sendQueued();
      else if (this.queued.length === 1) {
        // After the promise jobs of this turn: every publish they continue
        // joins the same command.
        process.nextTick(() => this.sendQueued());
      }
    });
    this.stats.count('published', event.type);
  }

  private sendQueued(): void {
    const queued = this.queued;
    if (queued.length === 0) return;
    this.queued = [];
    void this.sendTogether(queued);
  }

  private async sendTogether(events: QueuedEvent[]): Promise<void> {
    const { history, keyPrefix } = this.options;
    const keys: string[] = [];
    const args: Array<string | number> = [ENVELOPE_FIELD, history.ttlSeconds];
    for (const { event, json } of events) {
      keys.push(
        streamKey(keyPrefix, event.type),
        history.key(event.correlationid),
      );
      args.push(
        json,
        event.type,
        JSON.stringify(event.type),
        Date.parse(event.time),
        history.fieldsOf(event),
        history.trimBefore(),
      );
    }
    let replies: string[];
    try {
      replies = await this.publishCommand(keys.length, ...keys, ...args);
    } catch (error) {
      const notSent = new EventNotSentError((error as Error).message);
      for (const { reject } of events) reject(notSent);
      return;
    }
    events.forEach(({ resolve, reject }, i) => {
      const reply = replies[i];
      if (typeof reply !== 'string') {
        reject(new EventNotSentError('Redis did not answer for it'));
      } else if (reply.startsWith(REFUSED)) {
        reject(new EventNotSentError(reply.slice(REFUSED.length)));
      } else {
        resolve();
      }
    });
  }

  /**
   * Sends an event that waited for Redis (the outbox relay's rows) or
   * throws; after an outage only once subscribers had a moment to return.
   */
  async publishNow(event: EventEnvelope, json?: string): Promise<void> {
    if (!this.settled) {
      throw new EventNotSentError(
        this.ready ? 'Redis has just returned' : 'Redis is not connected',
      );
    }
    await this.send(event, json);
  }

  /**
   * For apps without a database: sends the event, or keeps it in memory
   * while Redis is away and sends it, in order, when Redis returns. When the
   * buffer is full the publish fails (`EventNotSentError`): an event is never
   * dropped behind the caller's back.
   */
  async publish(
    event: EventEnvelope,
    json?: string,
  ): Promise<'published' | 'buffered'> {
    if (this.settled && this.buffer.length === 0 && !this.flushing) {
      try {
        await this.send(event, json);
        return 'published';
      } catch (error) {
        this.logger.warn(
          `Publishing ${event.type} ${event.id} failed (${(error as Error).message}); buffered`,
        );
      }
    }
    if (this.buffer.length >= this.maxBuffered) {
      throw new EventNotSentError(
        `Redis is unreachable and ${this.maxBuffered} events already wait in memory`,
      );
    }
    this.buffer.push(event);
    this.stats.count('buffered', event.type);
    if (this.settled && !this.flushTimer) void this.flush();
    return 'buffered';
  }

  private onReady(): void {
    this.ready = true;
    if (!this.everReady) {
      this.everReady = true;
      this.settled = true;
      this.logger.log('Connected to the event-bus Redis');
      void this.flush();
      return;
    }
    this.logger.log('Event-bus Redis is back');
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settled = true;
      void this.flush();
    }, SETTLE_AFTER_RECONNECT_MS).unref();
  }

  private onClose(): void {
    if (this.ready) {
      this.logger.warn(
        'Lost the event-bus Redis; events wait for it until it returns',
      );
    }
    this.ready = false;
    this.settled = false;
    clearTimeout(this.settleTimer);
  }

  private scheduleFlush(delayMs: number): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, delayMs).unref();
  }

  /** Sends buffered events in order; stops at the first failure. */
  private async flush(): Promise<void> {
    if (this.flushing || this.buffer.length === 0) return;
    this.flushing = true;
    try {
      while (this.settled && this.buffer.length > 0) {
        await this.send(this.buffer[0]);
        this.buffer.shift();
      }
    } catch (error) {
      this.logger.warn(
        `Sending buffered events paused: ${(error as Error).message}`,
      );
      this.scheduleFlush(FLUSH_RETRY_MS);
    } finally {
      this.flushing = false;
    }
    if (this.buffer.length > 0) {
      this.logger.log(`${this.buffer.length} buffered events wait for Redis`);
    }
  }
}
