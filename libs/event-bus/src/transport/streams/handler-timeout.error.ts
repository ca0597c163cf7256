/**
 * A durable handler ran past its timeout: the attempt counts as failed and
 * is retried once the handler has returned (its `AbortSignal` fired).
 */
export class HandlerTimeoutError extends Error {
  constructor(
    readonly eventType: string,
    readonly timeoutMs: number,
  ) {
    super(
      `The ${eventType} handler did not finish within ${timeoutMs} ms: pass the context's signal (getSignal()) to what it waits for, or raise EVENT_BUS_HANDLER_TIMEOUT_MS`,
    );
    this.name = HandlerTimeoutError.name;
  }
}

/** The durable server shut down before the handler finished. */
export class ConsumerShutdownError extends Error {
  constructor() {
    super('The durable server shut down: the entry is left for redelivery');
    this.name = ConsumerShutdownError.name;
  }
}
