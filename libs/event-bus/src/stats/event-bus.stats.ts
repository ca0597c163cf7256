import { Injectable } from '@nestjs/common';

export const EVENT_COUNTERS = [
  'published',
  'buffered',
  'dropped',
  'received',
  'delivered',
  'failed',
  'rejected',
  'deadLettered',
  'duplicate',
] as const;
export type EventCounter = (typeof EVENT_COUNTERS)[number];

type Counts = Record<EventCounter, number>;

const zero = (): Counts =>
  Object.fromEntries(EVENT_COUNTERS.map((name) => [name, 0])) as Counts;

/**
 * Publish and consume counters, in total and per event type:
 * published (sent to Redis), buffered (held while Redis was down), dropped
 * (buffer overflow), received, delivered (handler succeeded), failed (handler
 * threw), rejected (malformed or invalid message, never handled),
 * deadLettered (moved to the dead-letter stream by the durable transport),
 * duplicate (an event id the consumer group had handled already, dropped).
 */
@Injectable()
export class EventBusStats {
  private readonly totals = zero();
  private readonly byType = new Map<string, Counts>();

  count(counter: EventCounter, type: string): void {
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
