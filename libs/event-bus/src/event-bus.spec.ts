import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import type { EventPayload } from '@app/contracts';
import {
  currentCorrelation,
  runWithCorrelation,
} from './correlation/correlation.context.js';
import type { EventEnvelope } from './envelope/event-envelope.js';
import {
  EventValidationError,
  InvalidPublishOptionsError,
} from './errors/event-validation.error.js';
import { EventBus } from './event-bus.js';
import type { EventHistory } from './history/event-history.js';
import type { OutboxRelay } from './outbox/outbox.relay.js';
import type { OutboxStore } from './outbox/outbox.store.js';
import type { EventBusModuleOptions } from './interfaces/event-bus-options.interface.js';
import {
  LocalSubscribers,
  type LocalEventHandler,
} from './local/local-subscribers.js';
import { EventBusStats } from './stats/event-bus.stats.js';
import type { EventBusTransports } from './transport/event-bus-transports.js';

const verified = (): EventPayload<'user.verified'> => ({
  userId: randomUUID(),
  email: 'ada@example.com',
  name: 'Ada',
  timestamp: new Date().toISOString(),
});

function createBus(options: Partial<EventBusModuleOptions> = {}) {
  const stats = new EventBusStats();
  const local = new LocalSubscribers(stats);
  const sent: EventEnvelope[] = [];
  const publisher = {
    publish: jest.fn((event: EventEnvelope) => {
      sent.push(event);
      return Promise.resolve('published' as const);
    }),
  };
  const transports = { publisher } as unknown as EventBusTransports;
  const history = { recordLocal: jest.fn() } as unknown as EventHistory;
  const stored: EventEnvelope[] = [];
  const outbox = {
    add: jest.fn((_tx: unknown, event: EventEnvelope) => {
      stored.push(event);
      return Promise.resolve();
    }),
  } as unknown as OutboxStore;
  const relay = { nudge: jest.fn() } as unknown as OutboxRelay;
  const bus = new EventBus(
    { service: 'user-service', redisUrl: 'redis://x', ...options },
    local,
    transports,
    history,
    outbox,
    relay,
  );
  return { bus, sent, stats, publisher, stored };
}

describe('EventBus.publish', () => {
  it('sends a CloudEvents envelope with the service as source', async () => {
    const { bus, sent } = createBus();
    const data = verified();

    const receipt = await bus.publish('user.verified', data);

    expect(receipt.redis).toBe('published');
    expect(sent).toEqual([receipt.event]);
    expect(receipt.event).toMatchObject({
      specversion: '1.0',
      type: 'user.verified',
      source: 'user-service',
      datacontenttype: 'application/json',
      dataversion: 1,
      data,
    });
  });

  it('sends nothing when the payload does not validate', async () => {
    const { bus, sent } = createBus();

    await expect(
      bus.publish('user.verified', { ...verified(), email: 'nope' }),
    ).rejects.toThrow(EventValidationError);
    expect(sent).toHaveLength(0);
  });

  it('takes correlation and causation from the current context', async () => {
    const { bus } = createBus();

    const { event } = await runWithCorrelation(
      { correlationId: 'request-42', causationId: 'event-7' },
      () => bus.publish('user.verified', verified()),
    );

    expect(event.correlationid).toBe('request-42');
    expect(event.causationid).toBe('event-7');
  });

  it('lets explicit options override the context', async () => {
    const { bus } = createBus();

    const { event } = await runWithCorrelation({ correlationId: 'ctx' }, () =>
      bus.publish('user.verified', verified(), { correlationId: 'explicit' }),
    );

    expect(event.correlationid).toBe('explicit');
  });

  it('delivers to local subscribers inside the event correlation', async () => {
    const { bus } = createBus();
    const seen: Array<{ id: string; context: unknown }> = [];
    bus.subscribe('user.verified', (event) => {
      seen.push({ id: event.id, context: currentCorrelation() });
    });

    const { event, localSubscribers } = await bus.publish(
      'user.verified',
      verified(),
      { correlationId: 'c-1' },
    );

    expect(localSubscribers).toBe(1);
    expect(seen).toEqual([
      {
        id: event.id,
        context: { correlationId: 'c-1', causationId: event.id },
      },
    ]);
  });

  it('keeps going when a local subscriber throws', async () => {
    const { bus, sent, stats } = createBus();
    const calls: string[] = [];
    bus.subscribe('user.verified', () => {
      throw new Error('boom');
    });
    bus.subscribe('user.verified', () => {
      calls.push('second');
    });

    await bus.publish('user.verified', verified());

    expect(calls).toEqual(['second']);
    expect(sent).toHaveLength(1);
    expect(stats.snapshot().totals).toMatchObject({ failed: 1, delivered: 1 });
  });

  it('stops calling a subscriber once it unsubscribed', async () => {
    const { bus } = createBus();
    const handler = jest.fn<LocalEventHandler<'user.verified'>>();
    const unsubscribe = bus.subscribe('user.verified', handler);

    unsubscribe();
    await bus.publish('user.verified', verified());

    expect(handler).not.toHaveBeenCalled();
  });

  it('honours localOnly and redisOnly', async () => {
    const { bus, sent } = createBus();
    const handler = jest.fn<LocalEventHandler<'user.verified'>>();
    bus.subscribe('user.verified', handler);

    const local = await bus.publish('user.verified', verified(), {
      localOnly: true,
    });
    const remote = await bus.publish('user.verified', verified(), {
      redisOnly: true,
    });

    expect(local.redis).toBe('skipped');
    expect(remote.localSubscribers).toBe(0);
    expect(sent.map((event) => event.id)).toEqual([remote.event.id]);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('refuses localOnly with redisOnly', async () => {
    const { bus } = createBus();

    await expect(
      bus.publish('user.verified', verified(), {
        localOnly: true,
        redisOnly: true,
      }),
    ).rejects.toThrow(InvalidPublishOptionsError);
  });

  it('never touches Redis in local-only mode', async () => {
    const { bus, publisher } = createBus({ mode: 'local-only' });

    const receipt = await bus.publish('user.verified', verified());

    expect(receipt.redis).toBe('skipped');
    expect(publisher.publish).not.toHaveBeenCalled();
  });

  it('writes to the outbox, not to Redis or subscribers, inside a transaction', async () => {
    const { bus, sent, stored } = createBus();
    const handler = jest.fn<LocalEventHandler<'user.verified'>>();
    bus.subscribe('user.verified', handler);

    const receipt = await bus.publish('user.verified', verified(), {
      transaction: { execute: jest.fn() } as never,
    });

    expect(receipt.redis).toBe('stored');
    expect(stored).toEqual([receipt.event]);
    expect(sent).toHaveLength(0);
    expect(handler).not.toHaveBeenCalled();
  });
});
