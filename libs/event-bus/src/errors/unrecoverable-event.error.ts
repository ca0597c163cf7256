/**
 * Thrown by a durable handler for an event that no retry can ever handle (a
 * reference to something that will never exist, a rule the event breaks for
 * good): the bus moves it to the dead letters at once, without retrying,
 * like BullMQ's `UnrecoverableError`. Anything else a handler throws is
 * retried.
 *
 * @example
 * if (!organization) throw new UnrecoverableEventError(`No organization ${id}`);
 */
export class UnrecoverableEventError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = UnrecoverableEventError.name;
  }
}

/** True for an `UnrecoverableEventError`, also one from another copy of the lib. */
export function isUnrecoverableEventError(error: unknown): boolean {
  return (
    error instanceof UnrecoverableEventError ||
    (error instanceof Error && error.name === UnrecoverableEventError.name)
  );
}
