import { register } from 'prom-client';
import { EventBusStats, promCounterName } from './event-bus.stats.js';

/**
 * One sample of a metric from the registry: the series with these labels,
 * named `sample` (a histogram has `<name>_count`, `<name>_sum`, ...).
 */
async function valueOf(
  metric: string,
  labels: Record<string, string>,
  sample = metric,
): Promise<number | undefined> {
  const { values } = await register.getSingleMetric(metric)!.get();
  return values.find(
    (entry) =>
      ((entry as { metricName?: string }).metricName ?? metric) === sample &&
      Object.entries(labels).every(
        ([key, value]) => String(entry.labels[key]) === value,
      ),
  )?.value;
}

describe('EventBusStats', () => {
  beforeEach(() => register.resetMetrics());

  it('counts per type and in total, for the health report', () => {
    const stats = new EventBusStats();

    stats.count('published', 'user.registered');
    stats.count('published', 'user.registered');
    stats.count('failed', 'user.verified');

    const snapshot = stats.snapshot();
    expect(snapshot.totals).toMatchObject({ published: 2, failed: 1 });
    expect(snapshot.byType['user.registered'].published).toBe(2);
  });

  it('exports every counter to Prometheus, labelled by type', async () => {
    const stats = new EventBusStats();

    stats.count('deadLettered', 'user.verified');
    stats.count('retried', 'user.verified');
    stats.count('retried', 'user.verified');

    expect(promCounterName('deadLettered')).toBe(
      'eventbus_events_dead_lettered_total',
    );
    expect(
      await valueOf('eventbus_events_dead_lettered_total', {
        type: 'user.verified',
      }),
    ).toBe(1);
    expect(
      await valueOf('eventbus_events_retried_total', { type: 'user.verified' }),
    ).toBe(2);
  });

  it('observes the publish-to-handler latency of a delivered event', async () => {
    const stats = new EventBusStats();
    const time = new Date(Date.now() - 1_500).toISOString();

    stats.delivered({ type: 'booking.created', time });

    const name = 'eventbus_publish_to_handler_seconds';
    const labels = { type: 'booking.created' };
    expect(await valueOf(name, labels, `${name}_count`)).toBe(1);
    const sum = await valueOf(name, labels, `${name}_sum`);
    expect(sum).toBeGreaterThanOrEqual(1.5);
    expect(await valueOf('eventbus_events_delivered_total', labels)).toBe(1);
  });

  it('shares one set of metrics between instances (several apps in a process)', async () => {
    new EventBusStats().count('published', 'user.deleted');
    new EventBusStats().count('published', 'user.deleted');

    expect(
      await valueOf('eventbus_events_published_total', {
        type: 'user.deleted',
      }),
    ).toBe(2);
  });
});
