import { BaseRpcContext } from '@nestjs/microservices';

type RedisStreamsContextArgs = [
  stream: string,
  entryId: string,
  deliveries: number,
];

/** What a durable handler can learn about the delivery it is handling. */
export class RedisStreamsContext extends BaseRpcContext<RedisStreamsContextArgs> {
  /** The stream key the entry came from. */
  getStream(): string {
    return this.args[0];
  }

  /** The stream entry id (not the event id). */
  getEntryId(): string {
    return this.args[1];
  }

  /** 1 for the first delivery, more for retries and reclaimed entries. */
  getDeliveries(): number {
    return this.args[2];
  }
}
