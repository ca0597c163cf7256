import { randomUUID } from 'node:crypto';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { redisOptionsFromUrl } from '@app/common';
import type { EventPayload } from '@app/contracts';
import {
  ClientRedisStreams,
  deadLetterKey,
  ENVELOPE_FIELD,
  EventHandlerErrorFilter,
  ServerRedisStreams,
  streamKey,
  type EventEnvelope,
  type RedisStreamsContext,
  type RedisStreamsServerOptions,
} from '@app/event-bus';
import {
  startRedisServer,
  waitFor,
  type RedisServer,
  userVerifiedEvent,
} from '../support/index.js';

interface Delivery {
  instance: string;
  eventId: string;
  deliveries: number;
}

/** Each test's handler decides what happens to each event, by its userId. */
const behaviour = new Map<
  string,
  'ok' | 'fail-twice' | 'always-fail' | 'slow'
>();
/** Handlers of each instance running right now, and the most at once. */
const running = new Map<string, { now: number; max: number }>();
/** `instance:eventId` of every handler run that started. */
const started = new Set<string>();
const attempts = new Map<string, number>();
const deliveries: Delivery[] = [];

/** A consumer app: one instance of a service, with a name to tell instances apart. */
function consumerModule(instance: string) {
  @Controller()
  class VerifiedConsumer {
    @EventPattern('user.verified')
    async onVerified(
      @Payload() event: EventEnvelope<EventPayload<'user.verified'>>,
      // Nest 12 types a handler's arguments after the payload as unknown.
      @Ctx() context: unknown,
    ) {
      started.add(`${instance}:${event.id}`);
      const key = `${instance.split('#')[0]}:${event.id}`;
      const tries = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, tries);
      const mode = behaviour.get(event.data.userId) ?? 'ok';
      if (mode === 'always-fail' || (mode === 'fail-twice' && tries <= 2)) {
        throw new Error(`handler refused ${event.data.userId}`);
      }
      if (mode === 'slow') {
        const load = running.get(instance) ?? { now: 0, max: 0 };
        running.set(instance, load);
        load.now += 1;
        load.max = Math.max(load.max, load.now);
        await new Promise((done) => setTimeout(done, 500));
        load.now -= 1;
      }
      deliveries.push({
        instance,
        eventId: event.id,
        deliveries: (context as RedisStreamsContext).getDeliveries(),
      });
    }
  }
  @Module({ controllers: [VerifiedConsumer] })
  class ConsumerModule {}
  return ConsumerModule;
}

describe('durable transport over Redis Streams', () => {
  let redis: RedisServer;
  let raw: Redis;
  let client: ClientRedisStreams;
  const apps: INestMicroservice[] = [];
  const keyPrefix = `test-${randomUUID().slice(0, 8)}:`;
  const stream = () => streamKey(keyPrefix, 'user.verified');

  async function startConsumer(
    instance: string,
    group: string,
    options: Partial<RedisStreamsServerOptions> = {},
  ): Promise<INestMicroservice> {
    const app = await NestFactory.createMicroservice(consumerModule(instance), {
      strategy: new ServerRedisStreams({
        redis: redisOptionsFromUrl(redis.url),
        group,
        consumer: instance,
        keyPrefix,
        blockMs: 200,
        retryBackoff: { initialMs: 50, maxMs: 200 },
        // Fast retries only: the delayed ones have their own test.
        maxDeliveries: 3,
        retryHorizonSeconds: 0,
        ...options,
      }),
      logger: false,
    });
    app.useGlobalFilters(new EventHandlerErrorFilter());
    await app.listen();
    apps.push(app);
    return app;
  }

  const emit = (event: EventEnvelope) =>
    lastValueFrom(client.emit(event.type, event));
  const handled = (eventId: string) =>
    deliveries.filter((d) => d.eventId === eventId);

  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.url);
    client = new ClientRedisStreams({
      redis: redisOptionsFromUrl(redis.url),
      keyPrefix,
    });
    await client.connect();
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await client?.close();
    await raw?.quit();
    await redis?.kill();
  });

  it('gives each group every event once, shared by the group’s instances', async () => {
    await startConsumer('a#1', 'service-a');
    await startConsumer('a#2', 'service-a');
    await startConsumer('b#1', 'service-b');
    const events = Array.from({ length: 40 }, () => userVerifiedEvent());

    for (const event of events) await emit(event);

    await waitFor(
      () => events.every((event) => handled(event.id).length === 2),
      { timeoutMs: 20_000, message: 'every event handled by both groups' },
    );
    for (const event of events) {
      const groups = handled(event.id)
        .map((d) => d.instance.split('#')[0])
        .sort();
      expect(groups).toEqual(['a', 'b']);
    }
    const byInstance = (name: string) =>
      deliveries.filter((d) => d.instance === name).length;
    expect(byInstance('a#1') + byInstance('a#2')).toBe(40);
    expect(byInstance('a#1')).toBeGreaterThan(0);
    expect(byInstance('a#2')).toBeGreaterThan(0);
    expect(byInstance('b#1')).toBe(40);
    const pending = (await raw.xpending(stream(), 'service-a')) as [number];
    expect(pending[0]).toBe(0);
  });

  it('retries a failing handler with backoff and acknowledges once it succeeds', async () => {
    const event = userVerifiedEvent();
    behaviour.set(event.data.userId, 'fail-twice');

    await emit(event);

    await waitFor(() => handled(event.id).length === 2, {
      timeoutMs: 20_000,
      message: 'the retried event handled by both groups',
    });
    expect(handled(event.id).map((d) => d.deliveries)).toEqual([3, 3]);
    const pending = (await raw.xpending(stream(), 'service-a')) as [number];
    expect(pending[0]).toBe(0);
  });

  it('moves an event that keeps failing to the dead letters with the error', async () => {
    const event = userVerifiedEvent();
    behaviour.set(event.data.userId, 'always-fail');

    await emit(event);

    const letters = await waitFor(
      async () => {
        const entries = await raw.xrange(deadLetterKey(keyPrefix), '-', '+');
        const mine = entries
          .map(([, fields]) => toRecord(fields))
          .filter((fields) => fields[ENVELOPE_FIELD]?.includes(event.id));
        return mine.length === 2 && mine;
      },
      { timeoutMs: 20_000, message: 'two dead letters (one per group)' },
    );
    for (const letter of letters) {
      expect(letter).toMatchObject({
        stream: stream(),
        handler: 'user.verified',
        error: `handler refused ${event.data.userId}`,
        deliveries: '3',
      });
    }
    expect(letters.map((letter) => letter.group).sort()).toEqual([
      'service-a',
      'service-b',
    ]);
    expect(handled(event.id)).toHaveLength(0);
    const pending = (await raw.xpending(stream(), 'service-b')) as [number];
    expect(pending[0]).toBe(0);
  });

  it('dead-letters a malformed entry without running the handler', async () => {
    const before = deliveries.length;
    await raw.xadd(stream(), '*', ENVELOPE_FIELD, '{"not":"an envelope"}');

    await waitFor(
      async () => {
        const entries = await raw.xrange(deadLetterKey(keyPrefix), '-', '+');
        return entries.some(([, fields]) =>
          toRecord(fields).error?.includes('specversion'),
        );
      },
      { message: 'the malformed entry dead-lettered' },
    );
    expect(deliveries.length).toBe(before);
  });

  it('drops an event id the group already handled (inbox)', async () => {
    const event = userVerifiedEvent();

    await emit(event);
    await emit(event);
    await emit(event);
    await waitFor(
      async () => {
        const [pendingA] = (await raw.xpending(stream(), 'service-a')) as [
          number,
        ];
        const [pendingB] = (await raw.xpending(stream(), 'service-b')) as [
          number,
        ];
        return (
          handled(event.id).length >= 2 && pendingA === 0 && pendingB === 0
        );
      },
      { timeoutMs: 20_000, message: 'the three copies acknowledged' },
    );

    expect(
      handled(event.id)
        .map((d) => d.instance.split('#')[0])
        .sort(),
    ).toEqual(['a', 'b']);
  });

  it('hands a replay meant for one group to that group only', async () => {
    const event = userVerifiedEvent();
    await raw.xadd(
      stream(),
      '*',
      ENVELOPE_FIELD,
      JSON.stringify(event),
      'group',
      'service-b',
    );

    await waitFor(() => handled(event.id).length === 1, {
      message: 'the replay handled by its group',
    });
    await waitFor(
      async () =>
        ((await raw.xpending(stream(), 'service-a')) as [number])[0] === 0,
      { message: 'service-a acknowledged it without handling it' },
    );

    expect(handled(event.id)[0].instance).toBe('b#1');
  });

  it('delivers what was published while a group had no instance running', async () => {
    await startConsumer('c#1', 'service-c');
    await apps.pop()!.close();
    const events = Array.from({ length: 5 }, () => userVerifiedEvent());
    for (const event of events) await emit(event);

    await startConsumer('c#2', 'service-c');

    await waitFor(
      () =>
        events.every((event) =>
          handled(event.id).some((d) => d.instance === 'c#2'),
        ),
      { timeoutMs: 20_000, message: 'events of the downtime delivered' },
    );
  });

  it('reclaims entries a crashed consumer left pending', async () => {
    const event = userVerifiedEvent();
    await startConsumer('d#1', 'service-d', { claimIdleMs: 1_000 });
    await apps.pop()!.close();
    await emit(event);
    // A consumer of the group reads the entry and dies without acknowledging.
    await raw.xreadgroup(
      'GROUP',
      'service-d',
      'crashed',
      'COUNT',
      100,
      'STREAMS',
      stream(),
      '>',
    );

    await startConsumer('d#2', 'service-d', { claimIdleMs: 1_000 });

    const delivery = await waitFor(
      () => handled(event.id).find((d) => d.instance === 'd#2'),
      { timeoutMs: 20_000, message: 'the pending entry reclaimed by d#2' },
    );
    expect(delivery.deliveries).toBe(2);
    expect(
      handled(event.id).filter((d) => d.instance.startsWith('d')),
    ).toHaveLength(1);
  });

  it('shuts down gracefully: stops reading, finishes the handler in flight, acknowledges it', async () => {
    const inFlight = userVerifiedEvent();
    const later = userVerifiedEvent();
    behaviour.set(inFlight.data.userId, 'slow');
    const app = await startConsumer('g#1', 'service-g');
    await emit(inFlight);
    await waitFor(() => started.has(`g#1:${inFlight.id}`), {
      message: 'the slow handler started',
    });

    await app.close();
    apps.splice(apps.indexOf(app), 1);
    await emit(later);

    expect(
      handled(inFlight.id).filter((d) => d.instance === 'g#1'),
    ).toHaveLength(1);
    // The group started at the stream's beginning: only this entry matters.
    const entry = (await raw.xrange(stream(), '-', '+')).find(([, fields]) =>
      fields.join().includes(inFlight.id),
    )![0];
    expect(await raw.xpending(stream(), 'service-g', entry, entry, 1)).toEqual(
      [],
    );
    // Nothing read after the close: the later event waits for the group.
    await new Promise((done) => setTimeout(done, 300));
    expect(started.has(`g#1:${later.id}`)).toBe(false);
  });

  it('handles at most maxInFlight events at once per instance', async () => {
    const events = Array.from({ length: 6 }, () => userVerifiedEvent());
    for (const event of events) behaviour.set(event.data.userId, 'slow');
    await startConsumer('h#1', 'service-h', { maxInFlight: 2 });

    for (const event of events) await emit(event);

    await waitFor(
      () =>
        events.every((event) =>
          handled(event.id).some((d) => d.instance === 'h#1'),
        ),
      { message: 'all six slow events handled by h#1' },
    );
    expect(running.get('h#1')?.max).toBe(2);
  });
});

function toRecord(fields: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) record[fields[i]] = fields[i + 1];
  return record;
}
