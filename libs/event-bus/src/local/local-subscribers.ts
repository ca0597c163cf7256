import { Injectable, Logger } from '@nestjs/common';
import type { EventPayload, EventType } from '@app/contracts';
import { runWithCorrelation } from '../correlation/correlation.context.js';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { EventBusStats } from '../stats/event-bus.stats.js';

export type LocalEventHandler<TType extends EventType = EventType> = (
  event: EventEnvelope<EventPayload<TType>>,
) => void | Promise<void>;

/**
 * In-process subscribers: they get events of their own service without
 * Redis, so they keep working while Redis is unreachable. A throwing
 * subscriber is logged and counted; it never affects the publisher or the
 * other subscribers.
 */
@Injectable()
export class LocalSubscribers {
  private readonly logger = new Logger(LocalSubscribers.name);
  private readonly handlers = new Map<string, Set<LocalEventHandler>>();

  constructor(private readonly stats: EventBusStats) {}

  /** Adds a handler; the returned function removes it. */
  subscribe<TType extends EventType>(
    type: TType,
    handler: LocalEventHandler<TType>,
  ): () => void {
    const handlers = this.handlers.get(type) ?? new Set<LocalEventHandler>();
    handlers.add(handler);
    this.handlers.set(type, handlers);
    return () => handlers.delete(handler);
  }

  /** Calls every subscriber of the event's type, each in the event's correlation. */
  async deliver(event: EventEnvelope): Promise<void> {
    const handlers = [...(this.handlers.get(event.type) ?? [])];
    await Promise.all(
      handlers.map((handler) =>
        runWithCorrelation(
          { correlationId: event.correlationid, causationId: event.id },
          async () => {
            try {
              await handler(event as EventEnvelope<never>);
              this.stats.delivered(event);
            } catch (error) {
              this.stats.count('failed', event.type);
              this.logger.error(
                `Local subscriber of ${event.type} failed on event ${event.id}: ${(error as Error).message}`,
              );
            }
          },
        ),
      ),
    );
  }

  count(type: string): number {
    return this.handlers.get(type)?.size ?? 0;
  }

  counts(): Record<string, number> {
    return Object.fromEntries(
      [...this.handlers]
        .filter(([, handlers]) => handlers.size > 0)
        .map(([type, handlers]) => [type, handlers.size]),
    );
  }
}
