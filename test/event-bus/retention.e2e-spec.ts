import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Controller, type INestApplication, type Type } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { register } from 'prom-client';
import request from 'supertest';
import { AuthModule, configureHttpApp } from '@app/common';
import type { EventPayload } from '@app/contracts';
import {
  connectEventBus,
  consumerGroupsKey,
  consumerRolesKey,
  EventBus,
  EventBusModule,
  eventBusOptionsFromConfig,
  releasedRolesKey,
  streamKey,
  type DeadLetter,
  type EventEnvelope,
  type EventBusStatusReport,
} from '@app/event-bus';
import {
  startRedisServer,
  waitFor,
  type RedisServer,
} from '../support/index.js';

/*
 * The retention task against a real Redis that keeps one entry per stream
 * node (`stream-node-max-entries 1`), so that a trim, exact or approximate
 * (`MINID ~`, as appends did before), removes exactly the entries it names.
 * The services run with EVENT_STREAM_RETENTION_SECONDS=60 and
 * EVENT_HISTORY_TTL_SECONDS=60; instead of waiting minutes, the test moves
 * the process's clock (`Date` only; timers run in real time), which the
 * bus's code reads like any other: the retention task and the publisher
 * see the time pass, Redis stamps entries with its own real clock.
 */

const KEY_PREFIX = 'eventbus:';
const JWT_SECRET = `test-${randomUUID()}`;
const RETENTION_ENV = {
  EVENT_STREAM_RETENTION_SECONDS: 60,
  EVENT_HISTORY_TTL_SECONDS: 60,
};

/** Handler invocations per event id, per consuming service. */
const handled = {
  sleeper: new Map<string, number>(),
  watcher: new Map<string, number>(),
  renamedBooking: new Map<string, number>(),
};
const record = (calls: Map<string, number>, id: string) =>
  calls.set(id, (calls.get(id) ?? 0) + 1);

@Controller()
class SleeperConsumer {
  @EventPattern('user.verified')
  onVerified(@Payload() event: EventEnvelope) {
    record(handled.sleeper, event.id);
  }
}

@Controller()
class WatcherConsumer {
  @EventPattern('user.verified')
  onVerified(@Payload() event: EventEnvelope) {
    record(handled.watcher, event.id);
  }
}

@Controller()
class RenamedBookingConsumer {
  @EventPattern('user.deleted')
  onDeleted(@Payload() event: EventEnvelope) {
    record(handled.renamedBooking, event.id);
  }
}

@Controller()
class RenamedNotificationConsumer {
  @EventPattern('user.deleted')
  onDeleted(@Payload() event: EventEnvelope) {
    return event.id;
  }
}

/** Fakes `Date` alone, running at real speed; timers stay real. */
function fakeDateOnly(): void {
  jest.useFakeTimers({
    advanceTimers: true,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}

/** Moves `Date` forward; timers keep real time. */
function moveClock(ms: number): void {
  jest.setSystemTime(Date.now() + ms);
}

async function startService(
  redis: RedisServer,
  service: string,
  controllers: Type[],
  env: Record<string, unknown> = {},
): Promise<INestApplication> {
  const config = new ConfigService({
    SERVICE_NAME: service,
    EVENT_BUS_REDIS_URL: redis.url,
    ...RETENTION_ENV,
    ...env,
  });
  const module = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot({
        isGlobal: true,
        ignoreEnvFile: true,
        load: [() => ({ JWT_SECRET })],
      }),
      AuthModule,
      EventBusModule.forRoot({
        ...eventBusOptionsFromConfig(service, config),
        retentionIntervalMs: 200,
      }),
    ],
    controllers,
  }).compile();
  const app = module.createNestApplication({ logger: false });
  configureHttpApp(app);
  connectEventBus(app);
  await app.startAllMicroservices();
  await app.init();
  return app;
}

const verified = (): EventPayload<'user.verified'> => {
  const userId = randomUUID();
  return {
    userId,
    email: `${userId}@example.com`,
    name: 'Ada',
    timestamp: new Date().toISOString(),
  };
};

const deleted = (): EventPayload<'user.deleted'> => {
  const userId = randomUUID();
  return {
    userId,
    email: `${userId}@example.com`,
    timestamp: new Date().toISOString(),
  };
};

async function publishMany(
  app: INestApplication,
  type: 'user.verified' | 'user.deleted',
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const payload = type === 'user.verified' ? verified() : deleted();
    const { event } = await app
      .get(EventBus)
      .publish(type as 'user.verified', payload as never, { redisOnly: true });
    ids.push(event.id);
  }
  return ids;
}

/** The envelope id of each entry of a stream, oldest first. */
async function eventIdsOn(raw: Redis, stream: string): Promise<string[]> {
  const entries = await raw.xrange(stream, '-', '+');
  return entries.map(
    ([, fields]) =>
      (JSON.parse(fields[fields.indexOf('envelope') + 1]) as EventEnvelope).id,
  );
}

async function metricValue(
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = register.getSingleMetric(name);
  if (!metric) return undefined;
  const { values } = await metric.get();
  return values.find((entry) =>
    Object.entries(labels).every(([key, value]) => entry.labels[key] === value),
  )?.value;
}

const adminToken = (app: INestApplication) =>
  app.get(JwtService).sign({
    sub: randomUUID(),
    role: 'admin',
    email: 'admin@example.com',
  });

/**
 * For one describe block: a private Redis that keeps one entry per stream
 * node, so trims remove exactly what they name, and the apps its tests
 * start on it, all stopped after the block.
 */
function useRetentionRedis() {
  let redis: RedisServer;
  let raw: Redis;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    redis = await startRedisServer({
      extraArgs: ['--stream-node-max-entries', '1'],
    });
    raw = new Redis(redis.url);
  });

  afterEach(() => jest.useRealTimers());

  afterAll(async () => {
    for (const app of apps) await app.close();
    await raw?.quit();
    await redis?.kill();
  });

  return {
    raw: () => raw,
    start: async (
      service: string,
      controllers: Type[],
      env: Record<string, unknown> = {},
    ) => {
      const app = await startService(redis, service, controllers, env);
      apps.push(app);
      return app;
    },
    stop: async (app: INestApplication) => {
      apps.splice(apps.indexOf(app), 1);
      await app.close();
    },
  };
}

describe('stream retention that waits for every consumer group', () => {
  const { start, stop, raw: rawOf } = useRetentionRedis();
  let raw: Redis;
  beforeAll(() => (raw = rawOf()));
  const verifiedStream = streamKey(KEY_PREFIX, 'user.verified');
  const deletedStream = streamKey(KEY_PREFIX, 'user.deleted');

  it('a group stopped for longer than the retention handles every event once when it returns', async () => {
    fakeDateOnly();
    const watcher = await start('retention-watcher', [WatcherConsumer]);
    let sleeper = await start('retention-sleeper', [SleeperConsumer]);
    // What each durable server registers when it starts.
    await raw.sadd(
      consumerGroupsKey(KEY_PREFIX, 'user.verified'),
      'retention-watcher',
      'retention-sleeper',
    );
    // These services play no role; the one that consumes user.verified in
    // the system (notification) is released, as an admin would.
    await raw.sadd(releasedRolesKey(KEY_PREFIX), 'notification');
    const handledByBoth = (ids: string[]) =>
      ids.every((id) => handled.watcher.has(id) && handled.sleeper.has(id));
    const handledByWatcher = (ids: string[]) =>
      ids.every((id) => handled.watcher.has(id));

    const first = await publishMany(watcher, 'user.verified', 2);
    await waitFor(() => handledByBoth(first), {
      timeoutMs: 30_000,
      message: 'both services handled the first events',
    });

    await stop(sleeper);
    const before = await publishMany(watcher, 'user.verified', 3);
    await waitFor(() => handledByWatcher(before), {
      timeoutMs: 30_000,
      message: 'the watcher handled the events published before the window',
    });
    moveClock(31_000);
    const during = await publishMany(watcher, 'user.verified', 3);
    await waitFor(() => handledByWatcher(during), {
      timeoutMs: 30_000,
      message: 'the watcher handled the events published during the window',
    });
    moveClock(31_000);
    // `before` is now older than the retention, while the sleeper is away.
    const after = await publishMany(watcher, 'user.verified', 3);

    // The task trimmed what both groups handled, and stopped there. (Before
    // the task, each append trimmed by the clock alone: nothing was kept.)
    const kept = await waitFor(
      async () => {
        const ids = await eventIdsOn(raw, verifiedStream);
        return !ids.includes(first[1]) && ids;
      },
      {
        timeoutMs: 30_000,
        message:
          "the retention task trimmed up to the stopped group's oldest unhandled entry",
      },
    );
    expect(kept).toEqual([...before, ...during, ...after]);
    await waitFor(() => handledByWatcher(after), {
      timeoutMs: 30_000,
      message: 'the watcher handled the events published after the window',
    });

    sleeper = await start('retention-sleeper', [SleeperConsumer]);
    const missed = [...before, ...during, ...after];
    await waitFor(() => missed.every((id) => handled.sleeper.has(id)), {
      timeoutMs: 30_000,
      message: 'the returning service handled everything it missed',
    });
    for (const id of [...first, ...missed]) {
      expect(handled.sleeper.get(id)).toBe(1);
      expect(handled.watcher.get(id)).toBe(1);
    }

    // Once every group has handled them, they go as the retention says.
    await waitFor(async () => (await raw.xlen(verifiedStream)) === 0, {
      timeoutMs: 30_000,
      message: 'the stream trimmed once both groups handled it',
    });
    await stop(sleeper);
    await stop(watcher);
  });

  it('keeps a stream for a registered group that never ran, reports its lag, and releases it when an admin removes the group', async () => {
    fakeDateOnly();
    const app = await start('retention-admin', []);
    await raw.sadd(consumerGroupsKey(KEY_PREFIX, 'user.deleted'), 'ghost');
    // The roles that consume user.deleted in the system are released here,
    // so that only the ghost holds the stream.
    await raw.sadd(
      releasedRolesKey(KEY_PREFIX),
      'booking',
      'notification',
      'scheduler',
    );
    const published = await publishMany(app, 'user.deleted', 2);
    moveClock(61_000);

    const http = () => request(app.getHttpServer());
    const health = await waitFor(
      async () => {
        const { body } = (await http().get('/api/events/health')) as {
          body: EventBusStatusReport;
        };
        const lag = body.durable?.streams['user.deleted']?.ghost;
        return lag && lag.seconds >= 60 && body;
      },
      { timeoutMs: 30_000, message: "health reporting the ghost group's lag" },
    );
    expect(health.durable!.streams['user.deleted'].ghost).toMatchObject({
      entries: 2,
      pending: 0,
      exists: false,
    });
    expect(
      await metricValue('eventbus_stream_lag_entries', {
        type: 'user.deleted',
        group: 'ghost',
      }),
    ).toBe(2);
    // Passes ran past the retention, and kept both entries for the group.
    await waitFor(
      async () =>
        (await metricValue('eventbus_stream_lag_seconds', {
          type: 'user.deleted',
          group: 'ghost',
        }))! >= 60,
      { timeoutMs: 30_000, message: 'a retention pass after the move' },
    );
    expect(await eventIdsOn(raw, deletedStream)).toEqual(published);

    const admin = adminToken(app);
    await http().delete('/api/events/consumer-groups/ghost').expect(401);
    await http()
      .delete('/api/events/consumer-groups/not%20a%20group')
      .set('authorization', `Bearer ${admin}`)
      .expect(400);
    await http()
      .delete('/api/events/consumer-groups/nobody')
      .set('authorization', `Bearer ${admin}`)
      .expect(404);
    const removed = await http()
      .delete('/api/events/consumer-groups/ghost')
      .set('authorization', `Bearer ${admin}`)
      .expect(200);
    expect(removed.body).toEqual({ group: 'ghost', types: ['user.deleted'] });

    await waitFor(async () => (await raw.xlen(deletedStream)) === 0, {
      timeoutMs: 30_000,
      message: 'the stream trimmed once the group was removed',
    });
    await stop(app);
  });
});

describe('the retention ceiling', () => {
  const { start, raw: rawOf } = useRetentionRedis();
  let raw: Redis;
  beforeAll(() => (raw = rawOf()));
  const stream = streamKey(KEY_PREFIX, 'user.deleted');

  it("moves what a stopped group never handled into that group's dead letters, with the reason, and counts it", async () => {
    fakeDateOnly();
    const app = await start('ceiling-test', [], {
      EVENT_STREAM_MAX_RETENTION_SECONDS: 120,
    });
    // A service that read one entry, crashed, and never came back; and
    // one registered that never started.
    await raw.xgroup('CREATE', stream, 'stopped', '0', 'MKSTREAM');
    await raw.sadd(
      consumerGroupsKey(KEY_PREFIX, 'user.deleted'),
      'stopped',
      'never-started',
    );
    const movedBefore =
      (await metricValue('eventbus_events_moved_by_ceiling_total', {
        type: 'user.deleted',
      })) ?? 0;
    const published = await publishMany(app, 'user.deleted', 3);
    await raw.xreadgroup(
      'GROUP',
      'stopped',
      'crashed-consumer',
      'COUNT',
      1,
      'STREAMS',
      stream,
      '>',
    );

    moveClock(121_000);

    const http = () => request(app.getHttpServer());
    const admin = adminToken(app);
    const lettersOf = async (group: string): Promise<DeadLetter[]> =>
      (
        await http()
          .get(`/api/events/dead-letters?group=${group}`)
          .set('authorization', `Bearer ${admin}`)
          .expect(200)
      ).body.items as DeadLetter[];

    // Also the default groups of the roles that consume user.deleted and
    // never ran here.
    const groups = [
      'stopped',
      'never-started',
      'booking-service',
      'notification-service',
      'scheduler-service',
    ];
    for (const group of groups) {
      const letters = await waitFor(
        async () => {
          const items = await lettersOf(group);
          return items.length === 3 && items;
        },
        { timeoutMs: 30_000, message: `the dead letters of ${group}` },
      );
      expect(
        letters.map((letter) => (letter.event as EventEnvelope).id).sort(),
      ).toEqual([...published].sort());
      for (const letter of letters) {
        expect(letter).toMatchObject({ group, handler: 'user.deleted' });
        expect(letter.error).toContain('EVENT_STREAM_MAX_RETENTION_SECONDS');
      }
    }
    const [pendingLetter] = (await lettersOf('stopped')).filter(
      (letter) => (letter.event as EventEnvelope).id === published[0],
    );
    expect(pendingLetter.deliveries).toBe(1);

    expect(
      await metricValue('eventbus_events_moved_by_ceiling_total', {
        type: 'user.deleted',
      }),
    ).toBe(movedBefore + 3 * groups.length);
    const { body } = (await http().get('/api/events/health')) as {
      body: EventBusStatusReport;
    };
    expect(body.durable!.movedByCeiling['user.deleted']).toEqual(
      Object.fromEntries(groups.map((group) => [group, 3])),
    );
    // Nothing left for anyone: the stream goes, and the groups are past it.
    await waitFor(async () => (await raw.xlen(stream)) === 0, {
      timeoutMs: 30_000,
      message: 'the stream trimmed after the ceiling',
    });
    const [stopped] = (await raw.xpending(stream, 'stopped')) as [number];
    expect(Number(stopped)).toBe(0);
  });
});

describe('retention for the consuming roles EVENT_PERMISSIONS declares', () => {
  const { start, raw: rawOf } = useRetentionRedis();
  let raw: Redis;
  beforeAll(() => (raw = rawOf()));
  const stream = streamKey(KEY_PREFIX, 'user.deleted');

  it('holds a stream for every consuming role that never started, until a service of the role runs under any name or an admin releases the role', async () => {
    fakeDateOnly();
    const publisher = await start('retention-user', [], {
      EVENT_BUS_ROLE: 'user',
    });
    const published = await publishMany(publisher, 'user.deleted', 2);
    // auth.login has no consumers: its stream goes with the retention, which
    // shows a pass ran after the clock moved.
    const login = await publisher.get(EventBus).publish(
      'auth.login',
      {
        userId: randomUUID(),
        email: 'ada@example.com',
        role: 'customer',
        timestamp: new Date().toISOString(),
      },
      { redisOnly: true },
    );
    const loginStream = streamKey(KEY_PREFIX, 'auth.login');
    // Published before the bus's connection was up: sent once it is.
    await waitFor(
      async () =>
        (await eventIdsOn(raw, loginStream)).includes(login.event.id) &&
        (await raw.xlen(stream)) === published.length,
      { timeoutMs: 30_000, message: 'the events on their streams' },
    );
    moveClock(61_000);
    await waitFor(async () => (await raw.xlen(loginStream)) === 0, {
      timeoutMs: 30_000,
      message: 'a retention pass past the retention',
    });
    expect(await eventIdsOn(raw, stream)).toEqual(published);

    const http = () => request(publisher.getHttpServer());
    const lagOf = async () =>
      ((await http().get('/api/events/health')).body as EventBusStatusReport)
        .durable!.streams['user.deleted'];
    const lag = await lagOf();
    expect(Object.keys(lag).sort()).toEqual([
      'booking-service',
      'notification-service',
      'scheduler-service',
    ]);
    for (const group of Object.values(lag)) {
      expect(group).toMatchObject({ entries: 2, exists: false });
      expect(group.seconds).toBeGreaterThanOrEqual(60);
    }

    // booking runs under another name: its group registers its role.
    await start('bookings-eu', [RenamedBookingConsumer], {
      EVENT_BUS_ROLE: 'booking',
    });
    await waitFor(
      () => published.every((id) => handled.renamedBooking.get(id) === 1),
      {
        timeoutMs: 30_000,
        message: 'the renamed booking service handled both',
      },
    );
    expect(await raw.hget(consumerRolesKey(KEY_PREFIX), 'bookings-eu')).toBe(
      'booking',
    );
    const afterBooking = await waitFor(
      async () => {
        const groups = await lagOf();
        return groups['bookings-eu']?.entries === 0 && groups;
      },
      { timeoutMs: 30_000, message: 'the renamed group caught up' },
    );
    expect(afterBooking['booking-service']).toBeUndefined();
    expect(Object.keys(afterBooking).sort()).toEqual([
      'bookings-eu',
      'notification-service',
      'scheduler-service',
    ]);
    // Notification and scheduler still hold both entries.
    expect(await eventIdsOn(raw, stream)).toEqual(published);

    const admin = adminToken(publisher);
    for (const group of ['notification-service', 'scheduler-service']) {
      const { body } = await http()
        .delete(`/api/events/consumer-groups/${group}`)
        .set('authorization', `Bearer ${admin}`)
        .expect(200);
      expect(body.group).toBe(group);
      expect(body.types).toContain('user.deleted');
    }
    expect((await raw.smembers(releasedRolesKey(KEY_PREFIX))).sort()).toEqual([
      'notification',
      'scheduler',
    ]);
    await waitFor(async () => (await raw.xlen(stream)) === 0, {
      timeoutMs: 30_000,
      message: 'the stream trimmed once the roles were released',
    });

    // A service of a released role that starts again is awaited again.
    await start('notices-eu', [RenamedNotificationConsumer], {
      EVENT_BUS_ROLE: 'notification',
    });
    await waitFor(
      async () =>
        (await raw.hget(consumerRolesKey(KEY_PREFIX), 'notices-eu')) ===
        'notification',
      { timeoutMs: 30_000, message: 'the notification service registered' },
    );
    expect(await raw.smembers(releasedRolesKey(KEY_PREFIX))).toEqual([
      'scheduler',
    ]);
  });
});
