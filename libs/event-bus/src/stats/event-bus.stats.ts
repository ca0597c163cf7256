import { Injectable } from '@nestjs/common';
import { Counter, Histogram, register } from 'prom-client';
import type { EventEnvelope } from '../envelope/event-envelope.js';

export const EVENT_COUNTERS = [
  'published',
  'buffered',
  'dropped',
  'received',
  'delivered',
  'failed',
  'retried',
  'rejected',
  'deadLettered',
  'duplicate',
  'movedByCeiling',
  'deadLetterDiscarded',
] as const;
export type EventCounter = (typeof EVENT_COUNTERS)[number];

type Counts = Record<EventCounter, number>;

const zero = (): Counts =>
  Object.fromEntries(EVENT_COUNTERS.map((name) => [name, 0])) as Counts;

/** Prometheus name of a counter: `deadLettered` -> `eventbus_events_dead_lettered_total`. */
export const promCounterName = (counter: EventCounter): string =>
  `eventbus_events_${counter.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`;

/** Prometheus help text of each counter. */
const HELP: Record<EventCounter, string> = {
  published: 'Events sent to Redis (stream and broadcast channel)',
  buffered: 'Events held in memory while Redis was unreachable',
  dropped: 'Buffered events dropped because the buffer was full',
  received: 'Valid events received from Redis',
  delivered: 'Events a handler or local subscriber handled successfully',
  failed: 'Handler or local subscriber runs that threw',
  retried: 'Failed durable deliveries scheduled for another attempt',
  rejected: 'Malformed or invalid messages, never handled',
  deadLettered: 'Events moved to the dead-letter stream',
  duplicate: 'Events a consumer group had processed already, dropped',
  movedByCeiling:
    'Stream entries a consumer group had not handled within EVENT_STREAM_MAX_RETENTION_SECONDS, moved to its dead letters',
  deadLetterDiscarded: 'Dead letters discarded past their bounds (count, age)',
};

/**
 * One metric per name in prom-client's registry, however many apps (or
 * tests) in the process create an `EventBusStats`.
 */
export function registered<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

const promCounters = () =>
  Object.fromEntries(
    EVENT_COUNTERS.map((counter) => {
      const name = promCounterName(counter);
      return [
        counter,
        registered(
          name,
          () =>
            new Counter({ name, help: HELP[counter], labelNames: ['type'] }),
        ),
      ];
    }),
  ) as Record<EventCounter, Counter<'type'>>;

const LATENCY_METRIC = 'eventbus_publish_to_handler_seconds';
const latencyHistogram = () =>
  registered(
    LATENCY_METRIC,
    () =>
      new Histogram({
        name: LATENCY_METRIC,
        help: 'From the event’s time to the end of a successful handler, per type',
        labelNames: ['type'],
        buckets: [
          0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
        ],
      }),
  );

/**
 * Publish and consume counters, in total and per event type:
 * published (sent to Redis), buffered (held while Redis was down), dropped
 * (buffer overflow), received, delivered (handler succeeded), failed (handler
 * threw), rejected (malformed or invalid message, never handled),
 * retried (a failed durable delivery scheduled again), deadLettered (moved
 * to the dead-letter stream by the durable transport), duplicate (an event
 * id the consumer group had handled already, dropped). Kept for
 * `/api/events/health` and exported to Prometheus (`/metrics`) as
 * `eventbus_events_<counter>_total{type}`, with the publish-to-handler
 * latency as the histogram `eventbus_publish_to_handler_seconds{type}`.
 */
@Injectable()
export class EventBusStats {
  private readonly totals = zero();
  private readonly byType = new Map<string, Counts>();
  private readonly prom = promCounters();
  private readonly latency = latencyHistogram();

  /** A handler finished `event`: counts it and observes its latency. */
  delivered(event: Pick<EventEnvelope, 'type' | 'time'>): void {
    this.count('delivered', event.type);
    const seconds = (Date.now() - Date.parse(event.time)) / 1_000;
    if (Number.isFinite(seconds)) {
      this.latency.observe({ type: event.type }, Math.max(0, seconds));
    }
  }

  count(counter: EventCounter, type: string): void {
    this.prom[counter].inc({ type });
    this.totals[counter] += 1;
    let counts = this.byType.get(type);
    if (!counts) {
      counts = zero();
      this.byType.set(type, counts);
    }
    counts[counter] += 1;
  }

  snapshot(): { totals: Counts; byType: Record<string, Counts> } {
    return {
      totals: { ...this.totals },
      byType: Object.fromEntries(
        [...this.byType].map(([type, counts]) => [type, { ...counts }]),
      ),
    };
  }
}
