import { resolve } from 'node:path';
import { Controller, type INestApplication } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import {
  DATABASE,
  DatabaseModule,
  InjectDatabase,
  type Database,
} from '@app/common';
import type { EventPayload } from '@app/contracts';
import {
  connectEventBus,
  EventBusModule,
  EventInbox,
  resultRows,
  streamKey,
  type EventEnvelope,
} from '@app/event-bus';
import {
  createTestDatabase,
  startRedisServer,
  waitFor,
  type RedisServer,
  type TestDatabase,
  userVerifiedEvent,
} from '../support/index.js';

const SERVICE = 'inbox-test';
/** Users whose first delivery "crashes" after its transaction committed. */
const crashAfterCommit = new Set<string>();
const attempts: string[] = [];

/**
 * A durable handler with its effect in the database: the effect and the
 * inbox record commit together, then (for some users) the process "dies"
 * before the bus acknowledges, so the event is delivered again.
 */
@Controller()
class VerifiedHandler {
  constructor(
    @InjectDatabase() private readonly db: Database,
    private readonly inbox: EventInbox,
  ) {}

  @EventPattern('user.verified')
  async onVerified(
    @Payload() event: EventEnvelope<EventPayload<'user.verified'>>,
  ): Promise<void> {
    attempts.push(event.id);
    await this.db.transaction(async (tx) => {
      if (!(await this.inbox.accept(tx, event))) return;
      await tx.execute(
        sql`insert into welcomed (user_id) values (${event.data.userId})`,
      );
    });
    if (crashAfterCommit.delete(event.data.userId)) {
      throw new Error('crashed after the commit, before the acknowledgement');
    }
  }
}

/** The database inbox on a real PostgreSQL, behind the durable transport. */
describe('inbox: processed event ids in the effect’s transaction', () => {
  let redis: RedisServer;
  let raw: Redis;
  let database: TestDatabase;
  let app: INestApplication;
  let db: Database;
  let inbox: EventInbox;
  const stream = streamKey('eventbus:', 'user.verified');

  const welcomed = async (userId: string) =>
    resultRows(
      await db.execute(
        sql`select user_id from welcomed where user_id = ${userId}`,
      ),
    ).length;
  const pending = async () =>
    ((await raw.xpending(stream, SERVICE)) as [number])[0];
  /** The id of the last entry the group has read. */
  const lastRead = async () => {
    const groups = (await raw.xinfo('GROUPS', stream)) as string[][];
    const group = groups.find((fields) => fields[1] === SERVICE) ?? [];
    return group[group.indexOf('last-delivered-id') + 1];
  };
  const append = (event: EventEnvelope) =>
    raw.xadd(stream, '*', 'envelope', JSON.stringify(event));

  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.url);
    database = await createTestDatabase();
    const module = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [() => ({ DATABASE_URL: database.url })],
        }),
        DatabaseModule.forRoot({
          service: SERVICE,
          migrationsFolder: resolve('apps/notification-service/drizzle'),
        }),
        EventBusModule.forRoot({
          service: SERVICE,
          redisUrl: redis.url,
          durable: { maxDeliveries: 5 },
        }),
      ],
      controllers: [VerifiedHandler],
    }).compile();
    app = module.createNestApplication({ logger: false });
    db = app.get<Database>(DATABASE);
    await db.execute(
      sql`create table welcomed (user_id uuid not null, at timestamptz default now())`,
    );
    inbox = app.get(EventInbox);
    connectEventBus(app);
    await app.init();
    await app.startAllMicroservices();
  });

  afterAll(async () => {
    await app?.close();
    await raw?.quit();
    await redis?.kill();
    await database?.drop();
  });

  it('changes nothing twice when the acknowledgement is lost after the commit', async () => {
    const event = userVerifiedEvent();
    crashAfterCommit.add(event.data.userId);

    await append(event);

    await waitFor(
      async () =>
        attempts.filter((id) => id === event.id).length === 2 &&
        (await pending()) === 0,
      { message: 'the event redelivered and then acknowledged' },
    );
    expect(await welcomed(event.data.userId)).toBe(1);
  });

  it('applies an event published twice (two entries, one id) once', async () => {
    const event = userVerifiedEvent();

    await append(event);
    const second = await append(event);

    await waitFor(
      async () => (await lastRead()) === second && (await pending()) === 0,
      { message: 'both entries read and acknowledged' },
    );
    expect(await welcomed(event.data.userId)).toBe(1);
  });

  it('makes a concurrent second attempt wait for the first and then refuse', async () => {
    const event = userVerifiedEvent();
    let commitFirst!: () => void;
    const firstMayCommit = new Promise<void>((resolve) => {
      commitFirst = resolve;
    });
    const order: string[] = [];

    const first = db.transaction(async (tx) => {
      const accepted = await inbox.accept(tx, event, 'concurrency-test');
      order.push(`first accepted=${accepted}`);
      await firstMayCommit;
      order.push('first commits');
      return accepted;
    });
    await waitFor(() => order.length === 1);
    const second = db.transaction(async (tx) => {
      const accepted = await inbox.accept(tx, event, 'concurrency-test');
      order.push(`second accepted=${accepted}`);
      return accepted;
    });
    // The second insert blocks on the first's uncommitted row.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(order).toEqual(['first accepted=true']);
    commitFirst();

    expect(await Promise.all([first, second])).toEqual([true, false]);
    expect(order).toEqual([
      'first accepted=true',
      'first commits',
      'second accepted=false',
    ]);
  });
});
