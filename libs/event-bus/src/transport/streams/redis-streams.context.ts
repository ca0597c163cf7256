import { BaseRpcContext } from '@nestjs/microservices';

type RedisStreamsContextArgs = [
  stream: string,
  entryId: string,
  deliveries: number,
  signal?: AbortSignal,
];

/** What a durable handler can learn about the delivery it is handling. */
export class RedisStreamsContext extends BaseRpcContext<RedisStreamsContextArgs> {
  /**
   * @param signalSource gives the signal when the args carry none, so the
   *   server creates an `AbortController` only for handlers that ask.
   */
  constructor(
    args: RedisStreamsContextArgs,
    private readonly signalSource?: { readonly signal: AbortSignal },
  ) {
    super(args);
  }

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

  /**
   * Aborted when the handler runs past its timeout (the attempt counts as
   * failed and is retried once the handler has returned) or when the
   * server shuts down before it finished. Pass it on to what the handler
   * waits for (`fetch`, a query, a timer) so it stops early.
   */
  getSignal(): AbortSignal {
    this.args[3] ??= this.signalSource?.signal ?? new AbortController().signal;
    return this.args[3];
  }
}
