import { EVENT_BUS_MESSAGES } from '../event-bus.messages.js';

/** `publish` got a payload that does not validate; nothing was sent. */
export class EventValidationError extends Error {
  constructor(
    readonly eventType: string,
    readonly reasons: string[],
  ) {
    super(EVENT_BUS_MESSAGES.invalidPayload(eventType, reasons));
    this.name = EventValidationError.name;
  }
}

/** The event type is not in the catalogue of @app/contracts. */
export class UnknownEventTypeError extends Error {
  constructor(readonly eventType: string) {
    super(EVENT_BUS_MESSAGES.unknownType(eventType));
    this.name = UnknownEventTypeError.name;
  }
}

/** The publish options contradict each other or the bus's mode. */
export class InvalidPublishOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = InvalidPublishOptionsError.name;
  }
}
