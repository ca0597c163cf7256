import { Logger } from '@nestjs/common';
import {
  ClientProxy,
  type ReadPacket,
  type WritePacket,
} from '@nestjs/microservices';
import { Redis, type RedisOptions } from 'ioredis';
import { DEFAULT_KEY_PREFIX } from '../../event-bus.constants.js';
import { busReconnectDelay } from '../redis-retry.js';
import { ENVELOPE_FIELD, streamKey } from './redis-streams.constants.js';

export interface RedisStreamsClientOptions {
  redis: RedisOptions;
  /** Prefix of the stream keys; default `eventbus:`. */
  keyPrefix?: string;
}

/**
 * The durable transport's client: `emit(type, envelope)` appends the
 * envelope to the event type's stream (`XADD`), where every consumer group
 * finds it. Events only: request-response is not part of the bus. Appends
 * never trim the stream: retention is a periodic task that waits for every
 * consumer group. (`EventBus.publish` does not go through this client: it
 * appends and broadcasts in one command.)
 */
export class ClientRedisStreams extends ClientProxy {
  private readonly logger = new Logger(ClientRedisStreams.name);
  private redis?: Redis;
  private connecting?: Promise<Redis>;

  constructor(private readonly options: RedisStreamsClientOptions) {
    super();
  }

  connect(): Promise<Redis> {
    this.connecting ??= this.open();
    return this.connecting;
  }

  private async open(): Promise<Redis> {
    this.redis = new Redis({
      ...this.options.redis,
      retryStrategy: busReconnectDelay,
      // An event is either appended or the caller hears of it at once.
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    this.redis.on('error', (error: Error) =>
      this.logger.debug(`Durable client: ${error.message}`),
    );
    // Down at first use: ioredis keeps reconnecting; appends fail until then.
    await this.redis.connect().catch(() => undefined);
    return this.redis;
  }

  /** Quits when connected; otherwise ends the reconnect loop at once. */
  async close(): Promise<void> {
    const redis = this.redis;
    if (redis?.status === 'ready') await redis.quit().catch(() => undefined);
    redis?.disconnect();
    this.redis = undefined;
    this.connecting = undefined;
  }

  unwrap<T>(): T {
    if (!this.redis) throw new Error('Not connected: call connect() first');
    return this.redis as T;
  }

  protected publish(
    _packet: ReadPacket,
    callback: (packet: WritePacket) => void,
  ): () => void {
    callback({
      err: new Error('The durable transport carries events only: use emit()'),
      isDisposed: true,
    });
    return () => undefined;
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const redis = await this.connect();
    const type = this.normalizePattern(packet.pattern as string);
    return (await redis.xadd(
      streamKey(this.options.keyPrefix ?? DEFAULT_KEY_PREFIX, type),
      '*',
      ENVELOPE_FIELD,
      JSON.stringify(packet.data),
    )) as T;
  }
}
