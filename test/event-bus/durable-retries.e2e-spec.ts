import { randomUUID } from 'node:crypto';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { redisOptionsFromUrl } from '@app/common';
import type { EventPayload } from '@app/contracts';
import {
  consumerGroupsKey,
  deadLetterKey,
  ENVELOPE_FIELD,
  EventBusStats,
  EventHandlerErrorFilter,
  ServerRedisStreams,
  streamKey,
  UnrecoverableEventError,
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

type Behaviour =
  'ok' | 'hang-first' | 'fail-first' | 'unrecoverable' | 'slow-first';

interface Run {
  instance: string;
  eventId: string;
  deliveries: number;
  startedAt: number;
  endedAt?: number;
  aborted?: boolean;
  ok?: boolean;
}

/** What each test's handler does with an event, by its userId. */
const behaviour = new Map<string, Behaviour>();
const runs: Run[] = [];
/** Handler runs of each event going on right now, and the most at once. */
const concurrent = new Map<string, { now: number; max: number }>();

function consumerModule(instance: string) {
  @Controller()
  class VerifiedConsumer {
    @EventPattern('user.verified')
    async onVerified(
      @Payload() event: EventEnvelope<EventPayload<'user.verified'>>,
      @Ctx() ctx: unknown,
    ) {
      const context = ctx as RedisStreamsContext;
      const run: Run = {
        instance,
        eventId: event.id,
        deliveries: context.getDeliveries(),
        startedAt: Date.now(),
      };
      runs.push(run);
      const load = concurrent.get(event.id) ?? { now: 0, max: 0 };
      concurrent.set(event.id, load);
      load.now += 1;
      load.max = Math.max(load.max, load.now);
      try {
        const first = run.deliveries === 1;
        switch (behaviour.get(event.data.userId) ?? 'ok') {
          case 'hang-first':
            // Ignores its signal, as a handler stuck in a driver would.
            if (first) await sleep(8_000);
            break;
          case 'slow-first':
            if (first) await sleep(3_000);
            break;
          case 'fail-first':
            if (first) throw new Error('the database is away');
            break;
          case 'unrecoverable':
            throw new UnrecoverableEventError('no such organization');
          default:
            break;
        }
        run.aborted = context.getSignal().aborted;
        run.ok = true;
      } finally {
        run.endedAt = Date.now();
        load.now -= 1;
      }
    }
  }
  @Module({ controllers: [VerifiedConsumer] })
  class ConsumerModule {}
  return ConsumerModule;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('durable transport: retries, timeouts, leases and lost groups', () => {
  let redis: RedisServer;
  let raw: Redis;
  const apps = new Map<string, INestMicroservice>();
  // Each test has streams of its own: a new group starts at a stream's
  // beginning and would handle the other tests' events too.
  let keyPrefix = '';
  let stream = '';
  const retries = (group: string) => `${keyPrefix}retries:${group}`;

  async function startConsumer(
    instance: string,
    group: string,
    options: Partial<RedisStreamsServerOptions> = {},
  ): Promise<ServerRedisStreams> {
    const server = new ServerRedisStreams({
      redis: redisOptionsFromUrl(redis.url),
      group,
      consumer: instance,
      keyPrefix,
      blockMs: 200,
      retryPollMs: 100,
      retryBackoff: { initialMs: 100, maxMs: 400 },
      ...options,
    });
    const app = await NestFactory.createMicroservice(consumerModule(instance), {
      strategy: server,
      logger: process.env.E2E_LOGS ? ['log', 'warn', 'error'] : false,
    });
    app.useGlobalFilters(new EventHandlerErrorFilter());
    await app.listen();
    apps.set(instance, app);
    return server;
  }

  async function stopConsumer(instance: string): Promise<void> {
    await apps.get(instance)?.close();
    apps.delete(instance);
  }

  const append = (event: EventEnvelope) =>
    raw.xadd(stream, '*', ENVELOPE_FIELD, JSON.stringify(event));
  const runsOf = (eventId: string) => runs.filter((r) => r.eventId === eventId);
  const succeeded = (eventId: string) =>
    runsOf(eventId).filter((r) => r.ok && r.endedAt !== undefined);
  const pendingOf = async (group: string, entryId: string) =>
    (await raw.xpending(stream, group, entryId, entryId, 1)) as Array<
      [string, string, number, number]
    >;
  const deadLettersOf = async (eventId: string) =>
    (await raw.xrange(deadLetterKey(keyPrefix), '-', '+'))
      .map(([, fields]) => toRecord(fields))
      .filter((letter) => letter[ENVELOPE_FIELD]?.includes(eventId));

  beforeAll(async () => {
    // Append-only, so the data survives the outage of the last test.
    redis = await startRedisServer({ appendOnly: true });
    raw = new Redis(redis.url);
  });

  beforeEach(() => {
    keyPrefix = `retries-${randomUUID().slice(0, 8)}:`;
    stream = streamKey(keyPrefix, 'user.verified');
  });

  afterEach(async () => {
    for (const instance of [...apps.keys()]) await stopConsumer(instance);
  });

  afterAll(async () => {
    await raw?.quit();
    await redis?.kill();
  });

  it('times a hung handler out, retries it only after it returned, and no instance steals it meanwhile', async () => {
    const options = { handlerTimeoutMs: 1_000, claimIdleMs: 3_000 };
    const hung = await startConsumer('hang#1', 'service-hang', options);
    const event = userVerifiedEvent();
    behaviour.set(event.data.userId, 'hang-first');

    const entryId = await append(event);
    await waitFor(() => runsOf(event.id).length === 1, {
      message: 'the first attempt started',
    });
    // Past the stall limit (four timeouts) the instance reports itself unhealthy.
    await waitFor(() => hung.stalledHandlers === 1, {
      message: 'the stalled handler reported',
    });
    // Only now a second instance: it must leave the hung entry alone.
    await startConsumer('hang#2', 'service-hang', options);
    // Well past the timeout and the claim idle time, the first still runs.
    await waitFor(
      async () => {
        const [pending] = await pendingOf('service-hang', entryId!);
        return Date.now() - runsOf(event.id)[0].startedAt > 6_000 && pending;
      },
      { message: 'the hung handler held its entry past claimIdleMs' },
    ).then(([, consumer]) => expect(consumer).toBe('hang#1'));

    const [first, second] = await waitFor(
      () => succeeded(event.id).length === 2 && runsOf(event.id),
      { timeoutMs: 30_000, message: 'the retry after the hung attempt' },
    );
    expect(runsOf(event.id)).toHaveLength(2);
    expect(hung.stalledHandlers).toBe(0);
    expect(first).toMatchObject({ deliveries: 1, aborted: true });
    expect(second.deliveries).toBe(2);
    expect(second.startedAt).toBeGreaterThanOrEqual(first.endedAt!);
    expect(concurrent.get(event.id)?.max).toBe(1);
    await waitFor(
      async () => (await pendingOf('service-hang', entryId!)).length === 0,
      { message: 'the entry acknowledged after the retry' },
    );
  });

  it('dead-letters an UnrecoverableEventError at the first delivery', async () => {
    await startConsumer('fatal#1', 'service-fatal');
    const event = userVerifiedEvent();
    behaviour.set(event.data.userId, 'unrecoverable');

    await append(event);

    const [letter] = await waitFor(
      async () => {
        const letters = await deadLettersOf(event.id);
        return letters.length === 1 && letters;
      },
      { message: 'the event dead-lettered' },
    );
    expect(letter).toMatchObject({
      group: 'service-fatal',
      error: 'no such organization',
      deliveries: '1',
    });
    expect(runsOf(event.id)).toHaveLength(1);
  });

  it('keeps a delayed retry’s due time in Redis: another instance takes it when due, not earlier', async () => {
    const options: Partial<RedisStreamsServerOptions> = {
      maxDeliveries: 1,
      retryHorizonSeconds: 8,
      delayedRetryBackoff: { initialMs: 4_000, maxMs: 4_000 },
      claimIdleMs: 1_000,
    };
    await startConsumer('delay#1', 'service-delay', options);
    const event = userVerifiedEvent();
    behaviour.set(event.data.userId, 'fail-first');

    const entryId = await append(event);
    const dueAt = await waitFor(
      async () => raw.zscore(retries('service-delay'), `${stream}|${entryId}`),
      { message: 'the retry’s due time in Redis' },
    );
    // The instance that failed it goes away; another one starts.
    await stopConsumer('delay#1');
    await startConsumer('delay#2', 'service-delay', options);

    const retry = await waitFor(
      () => succeeded(event.id).find((run) => run.instance === 'delay#2'),
      { timeoutMs: 20_000, message: 'the retry handled by delay#2' },
    );
    expect(retry.startedAt).toBeGreaterThanOrEqual(Number(dueAt));
    expect(retry.deliveries).toBe(2);
    expect(runsOf(event.id)).toHaveLength(2);
    expect(await raw.zcard(retries('service-delay'))).toBe(0);
  });

  it('loses nothing when its consumer group is destroyed with entries in flight and retries waiting', async () => {
    const group = 'service-lost';
    const stats = new EventBusStats();
    await startConsumer('lost#1', group, {
      stats,
      claimIdleMs: 2_000,
      maxDeliveries: 1,
      retryHorizonSeconds: 30,
      delayedRetryBackoff: { initialMs: 3_000, maxMs: 3_000 },
    });
    const before = Array.from({ length: 30 }, () => userVerifiedEvent());
    before
      .slice(0, 4)
      .forEach((e) => behaviour.set(e.data.userId, 'slow-first'));
    before
      .slice(4, 8)
      .forEach((e) => behaviour.set(e.data.userId, 'fail-first'));
    for (const event of before) await append(event);
    await waitFor(
      async () =>
        before.slice(8).every((e) => succeeded(e.id).length === 1) &&
        before.slice(0, 4).every((e) => runsOf(e.id).length === 1) &&
        (await raw.zcard(retries(group))) === 4,
      { timeoutMs: 20_000, message: 'handlers in flight and retries waiting' },
    );
    const receivedBefore = stats.snapshot().totals.received;

    await raw.xgroup('DESTROY', stream, group);
    const after = Array.from({ length: 10 }, () => userVerifiedEvent());
    for (const event of after) await append(event);

    const all = [...before, ...after];
    await waitFor(() => all.every((e) => succeeded(e.id).length >= 1), {
      timeoutMs: 40_000,
      message: 'every event handled after the group was recreated',
    });
    await waitFor(
      async () => ((await raw.xpending(stream, group)) as [number])[0] === 0,
      { timeoutMs: 20_000, message: 'nothing left pending' },
    );
    for (const event of all) expect(succeeded(event.id)).toHaveLength(1);
    expect(await deadLettersOf(before[0].id)).toEqual([]);
    expect(
      (await raw.xrange(deadLetterKey(keyPrefix), '-', '+')).filter(
        ([, fields]) => toRecord(fields).group === group,
      ),
    ).toEqual([]);
    // Entries taken again from the recreated group: the new ones, the
    // retries, and those from the remembered position on read a second time.
    const received = stats.snapshot().totals.received - receivedBefore;
    const readAgain = received - after.length - 4;
    console.log(
      `XGROUP DESTROY: ${readAgain} entries read again (of ${before.length} before the loss), ${stats.snapshot().totals.duplicate} dropped as duplicates`,
    );
    expect(readAgain).toBeGreaterThanOrEqual(0);
    expect(readAgain).toBeLessThanOrEqual(before.length);
  });

  it('registers its group for retention and removes consumers of gone instances holding nothing', async () => {
    const consumers = async () =>
      (
        (await raw.xinfo('CONSUMERS', stream, 'service-tidy')) as string[][]
      ).map((info) => info[1]);
    await startConsumer('gone#1', 'service-tidy');
    // Redis creates a consumer when it first gets an entry.
    const event = userVerifiedEvent();
    await append(event);
    await waitFor(() => succeeded(event.id).length === 1, {
      message: 'gone#1 handled an event',
    });
    await stopConsumer('gone#1');
    expect(await consumers()).toEqual(['gone#1']);

    await startConsumer('tidy#2', 'service-tidy', {
      consumerExpiryMs: 500,
      claimIdleMs: 1_000,
    });

    await waitFor(async () => !(await consumers()).includes('gone#1'), {
      message: 'the gone consumer removed',
    });
    const next = userVerifiedEvent();
    await append(next);
    await waitFor(() => succeeded(next.id).length === 1, {
      message: 'tidy#2 handled an event',
    });
    expect(await consumers()).toEqual(['tidy#2']);
    expect(
      await raw.smembers(consumerGroupsKey(keyPrefix, 'user.verified')),
    ).toEqual(['service-tidy']);
  });

  it('shuts down within its grace while Redis is unreachable, leaving the unfinished entry for redelivery', async () => {
    await startConsumer('down#1', 'service-down', { shutdownGraceMs: 1_000 });
    const event = userVerifiedEvent();
    behaviour.set(event.data.userId, 'hang-first');
    const entryId = await append(event);
    await waitFor(() => runsOf(event.id).length === 1, {
      message: 'the handler running',
    });

    await redis.stop();
    const started = Date.now();
    try {
      await stopConsumer('down#1');
    } finally {
      await redis.start();
    }

    // Well before the handler (8 s) returned, and with no Redis to quit.
    expect(Date.now() - started).toBeLessThan(7_000);
    expect(runsOf(event.id)[0].endedAt).toBeUndefined();
    const [pending] = await pendingOf('service-down', entryId!);
    expect(pending?.[1]).toBe('down#1');
  });
});

function toRecord(fields: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) record[fields[i]] = fields[i + 1];
  return record;
}
