import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { Redis } from 'ioredis';
import pg from 'pg';
import { DATABASE, type Database } from '@app/common';
import {
  DEFAULT_KEY_PREFIX,
  EventBus,
  EventBusModule,
  streamKey,
} from '@app/event-bus';
import {
  baselineEnvelope,
  drive,
  encodeMarker,
  now,
  verifiedPayload,
} from '../load.js';
import { roleOptions, serve } from '../protocol.js';

/**
 * A change and its event, one transaction each: the bus's outbox
 * (`publish(..., { transaction })`, delivered by its relay) or the plain
 * loop (`INSERT` in a transaction, then `XADD`). A run lasts until every
 * event is on its stream.
 */
const options = roleOptions<{
  redisUrl: string;
  variant: 'bus' | 'raw';
  databaseUrl?: string;
  dataDir?: string;
  inFlight: number;
}>();

let db: Database;
let closeDb: () => Promise<void>;
if (options.databaseUrl) {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
  db = drizzlePg({ client: pool });
  closeDb = () => pool.end();
} else {
  mkdirSync(options.dataDir!, { recursive: true });
  const client = await PGlite.create(options.dataDir);
  db = drizzlePglite({ client });
  closeDb = () => client.close();
}
const table = sql.identifier(`bench_change_${options.variant}`);
await db.execute(
  sql`create table if not exists ${table} (id uuid primary key, body text not null)`,
);

const redis = new Redis(options.redisUrl);
const stream =
  options.variant === 'bus'
    ? streamKey(DEFAULT_KEY_PREFIX, 'user.verified')
    : 'bench:outbox-raw';

@Global()
@Module({
  providers: [{ provide: DATABASE, useValue: db }],
  exports: [DATABASE],
})
class BenchDatabaseModule {}

@Module({
  imports: [
    BenchDatabaseModule,
    EventBusModule.forRoot({
      service: 'user-service',
      redisUrl: options.redisUrl,
    }),
  ],
})
class OutboxModule {}

const app =
  options.variant === 'bus'
    ? await NestFactory.createApplicationContext(OutboxModule, {
        logger: ['error', 'warn'],
      })
    : undefined;
await app?.init();
const bus = app?.get(EventBus);

const change = (run: string, seq: number) => {
  const name = encodeMarker(run, seq, 'x'.repeat(160));
  return { id: randomUUID(), name };
};

const writeOne = async (run: string, seq: number) => {
  const { id, name } = change(run, seq);
  if (bus) {
    await db.transaction(async (tx) => {
      await tx.execute(sql`insert into ${table} values (${id}, ${name})`);
      await bus.publish('user.verified', verifiedPayload(name), {
        transaction: tx,
      });
    });
  } else {
    await db.transaction(async (tx) => {
      await tx.execute(sql`insert into ${table} values (${id}, ${name})`);
    });
    await redis.xadd(
      stream,
      '*',
      'envelope',
      JSON.stringify(baselineEnvelope('user.verified', name)),
    );
  }
};

serve(
  {
    async publish(request) {
      const count = Number(request.count);
      const run = String(request.run);
      const before = await redis.xlen(stream);
      const onStream = async () => (await redis.xlen(stream)) - before;
      const sent = await drive(
        count,
        { kind: 'saturate', inFlight: options.inFlight },
        (seq) => writeOne(run, seq),
      );
      // The relay delivers after the commits: wait until all are on the
      // stream, or until nothing has moved for 45 s (then some are lost).
      let last = await onStream();
      let movedAt = now();
      while (last < count && now() - movedAt < 45_000) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        const current = await onStream();
        if (current !== last) movedAt = now();
        last = current;
      }
      return {
        startAt: sent.startAt,
        endAt: last >= count ? now() : movedAt,
        failed: sent.failed,
        firstError: sent.firstError,
        cpuMicros: sent.cpuMicros,
        onStream: last,
      };
    },
  },
  async () => {
    await app?.close();
    await redis.quit();
    await closeDb();
  },
);
