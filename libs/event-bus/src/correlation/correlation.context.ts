import { AsyncLocalStorage } from 'node:async_hooks';

export interface CorrelationContext {
  /** Links every request, event and job of one business flow. */
  correlationId: string;
  /** The event being handled, which becomes the cause of what it publishes. */
  causationId?: string;
}

const storage = new AsyncLocalStorage<CorrelationContext>();

/** Runs `fn` with `context` as the current correlation, across awaits. */
export function runWithCorrelation<T>(
  context: CorrelationContext,
  fn: () => T,
): T {
  return storage.run(context, fn);
}

/** The correlation of the request, event or job being handled, if any. */
export function currentCorrelation(): CorrelationContext | undefined {
  return storage.getStore();
}
