import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { registered } from './event-bus.stats.js';

/** What one consumer group of one stream has not handled yet. */
export interface GroupLag {
  /** Entries delivered and not acknowledged. */
  pending: number;
  /** Entries not delivered yet; null when Redis cannot tell. */
  undelivered: number | null;
  /** `pending + undelivered`: the lag in entries. */
  entries: number | null;
  /** Age of the oldest entry not handled: the lag in seconds (0 when none). */
  seconds: number;
  /** Whether the group exists on the stream (a registered group may not yet). */
  exists: boolean;
}

const gauge = (name: string, help: string, labelNames: string[]) =>
  registered(name, () => new Gauge({ name, help, labelNames }));

/**
 * Prometheus gauges of the streams' consumer groups, set from each
 * measurement (the retention task's, and health's):
 * `eventbus_stream_lag_entries{type,group}`,
 * `eventbus_stream_lag_seconds{type,group}`, and the dead letters kept per
 * group, `eventbus_dead_letters{group}`.
 */
@Injectable()
export class StreamLagGauges {
  private readonly entries = gauge(
    'eventbus_stream_lag_entries',
    'Entries of a stream a consumer group has not handled (pending and not delivered)',
    ['type', 'group'],
  );
  private readonly seconds = gauge(
    'eventbus_stream_lag_seconds',
    'Age of the oldest entry of a stream a consumer group has not handled',
    ['type', 'group'],
  );
  private readonly deadLetters = gauge(
    'eventbus_dead_letters',
    'Dead letters kept, per consumer group',
    ['group'],
  );

  /** Replaces the lag series with these (per type, per group). */
  setLag(lag: Record<string, Record<string, GroupLag>>): void {
    this.entries.reset();
    this.seconds.reset();
    for (const [type, groups] of Object.entries(lag)) {
      for (const [group, value] of Object.entries(groups)) {
        if (value.entries !== null) {
          this.entries.set({ type, group }, value.entries);
        }
        this.seconds.set({ type, group }, value.seconds);
      }
    }
  }

  setDeadLetters(counts: Record<string, number>): void {
    this.deadLetters.reset();
    for (const [group, count] of Object.entries(counts)) {
      this.deadLetters.set({ group }, count);
    }
  }
}
