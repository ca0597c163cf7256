import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  Controller,
  Global,
  Module,
  type INestApplication,
  type INestApplicationContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { drizzle } from 'drizzle-orm/pglite';
import { Redis } from 'ioredis';
import { DATABASE, redisOptionsFromUrl, type Database } from '@app/common';
import type { EventPayload } from '@app/contracts';
import {
  EventBus,
  EventBusModule,
  ServerRedisStreams,
  streamKey,
  type EventEnvelope,
} from '@app/event-bus';
import { startRedisServer } from '../../test/support/redis-server.js';
import { percentiles, type Percentiles } from './percentiles.js';

/**
 * Benchmarks of the event bus on a private redis-server (see README,
 * "Benchmarks"): publish rate, durable delivery throughput and
 * publish-to-handler latency, the outbox, and memory. Writes
 * bench/results/latest.json and bench/results/latest.md.
 */

const BURST = 5_000;
const CONCURRENCY = 50;
const STEADY_RATE_PER_SECOND = 500;
const STEADY_SECONDS = 5;
const OUTBOX_EVENTS = 1_000;

/** What the bench expects of this machine; reported, never a test. */
const TARGETS = {
  /** One publish awaited at a time: two Redis round trips each. */
  publishPerSecond: 2_000,
  durablePerSecond: 1_000,
  steadyP95Ms: 100,
  outboxPerSecond: 200,
  /** The whole bench process, embedded PGlite included. */
  rssMiB: 400,
};

const registeredData = (): EventPayload<'user.verified'> => {
  const userId = randomUUID();
  return {
    userId,
    email: `${userId}@example.com`,
    name: 'Bench',
    timestamp: new Date().toISOString(),
  };
};

/** Where the durable handler reports each event it handled. */
const handled: number[] = [];
let onHandled: (() => void) | undefined;

@Controller()
class BenchConsumer {
  @EventPattern('user.verified')
  onVerified(@Payload() event: EventEnvelope) {
    handled.push(Date.now() - Date.parse(event.time));
    onHandled?.();
  }
}

@Module({ controllers: [BenchConsumer] })
class ConsumerModule {}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const client = await PGlite.create();
  const apps: Array<INestApplication | INestApplicationContext> = [];
  try {
    const db = drizzle({ client }) as unknown as Database;

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
          service: 'bench',
          redisUrl: redis.url,
          outboxPollMs: 50,
        }),
      ],
    })
    class PublisherModule {}

    const publisher = await NestFactory.createApplicationContext(
      PublisherModule,
      { logger: false },
    );
    apps.push(publisher);
    await publisher.init();
    const bus = publisher.get(EventBus);
    const raw = new Redis(redis.url);
    await waitUntil(
      async () =>
        (await bus.publish('user.verified', registeredData())).redis ===
        'published',
    );

    const results: Record<string, unknown> = {};

    // 1. Publish: validate, wrap, XADD to the stream, PUBLISH on the channel.
    let start = performance.now();
    for (let i = 0; i < BURST; i++) {
      await bus.publish('user.verified', registeredData());
    }
    const publishPerSecond = perSecond(BURST, performance.now() - start);
    results.publish = { events: BURST, perSecond: publishPerSecond };

    // ... and with 50 publishes in flight, as concurrent requests would.
    start = performance.now();
    for (let i = 0; i < BURST; i += CONCURRENCY) {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, () =>
          bus.publish('user.verified', registeredData()),
        ),
      );
    }
    results.publishConcurrent = {
      events: BURST,
      inFlight: CONCURRENCY,
      perSecond: perSecond(BURST, performance.now() - start),
    };

    // 2. Durable delivery of what is already in the stream: a consumer group
    // starting at the stream's beginning drains the burst.
    const backlog = await raw.xlen(streamKey('eventbus:', 'user.verified'));
    const drained = new Promise<void>((done) => {
      onHandled = () => handled.length >= backlog && done();
    });
    start = performance.now();
    const consumer = await NestFactory.createMicroservice(ConsumerModule, {
      strategy: new ServerRedisStreams({
        redis: redisOptionsFromUrl(redis.url),
        group: 'bench-consumer',
      }),
      logger: false,
    });
    apps.push(consumer);
    await consumer.listen();
    await drained;
    const durablePerSecond = perSecond(backlog, performance.now() - start);
    results.durableBacklog = {
      events: backlog,
      perSecond: durablePerSecond,
    };

    // 3. Publish-to-handler latency at a steady rate the consumer keeps up with.
    handled.length = 0;
    const steadyEvents = STEADY_RATE_PER_SECOND * STEADY_SECONDS;
    const allHandled = new Promise<void>((done) => {
      onHandled = () => handled.length >= steadyEvents && done();
    });
    const interval = 1_000 / STEADY_RATE_PER_SECOND;
    start = performance.now();
    for (let i = 0; i < steadyEvents; i++) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      void bus.publish('user.verified', registeredData());
    }
    await allHandled;
    const steady: Percentiles = percentiles(handled);
    results.steadyLatencyMs = {
      ratePerSecond: STEADY_RATE_PER_SECOND,
      events: steadyEvents,
      ...steady,
    };

    // 4. Outbox: one transaction per event, relayed to the stream.
    const streamLength = await raw.xlen(
      streamKey('eventbus:', 'user.verified'),
    );
    start = performance.now();
    for (let i = 0; i < OUTBOX_EVENTS; i++) {
      await db.transaction((tx) =>
        bus.publish('user.verified', registeredData(), { transaction: tx }),
      );
    }
    await waitUntil(
      async () =>
        (await raw.xlen(streamKey('eventbus:', 'user.verified'))) >=
        streamLength + OUTBOX_EVENTS,
    );
    const outboxPerSecond = perSecond(OUTBOX_EVENTS, performance.now() - start);
    results.outbox = { events: OUTBOX_EVENTS, perSecond: outboxPerSecond };

    const memory = process.memoryUsage();
    results.memoryMiB = {
      rss: mib(memory.rss),
      heapUsed: mib(memory.heapUsed),
    };
    await raw.quit();

    const checks = {
      publishPerSecond: publishPerSecond >= TARGETS.publishPerSecond,
      durablePerSecond: durablePerSecond >= TARGETS.durablePerSecond,
      steadyP95Ms: steady.p95 <= TARGETS.steadyP95Ms,
      outboxPerSecond: outboxPerSecond >= TARGETS.outboxPerSecond,
      rssMiB: mib(memory.rss) <= TARGETS.rssMiB,
    };
    const report = {
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        redis: await redisVersion(redis.url),
      },
      results,
      targets: TARGETS,
      met: checks,
    };
    writeResults(report);
  } finally {
    onHandled = undefined;
    for (const app of apps.reverse()) await app.close();
    await client.close();
    await redis.kill();
  }
}

function writeResults(report: {
  date: string;
  machine: Record<string, unknown>;
  results: Record<string, unknown>;
  targets: Record<string, number>;
  met: Record<string, boolean>;
}): void {
  const dir = resolve('bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'latest.json'),
    `${JSON.stringify(report, null, 2)}\n`,
  );
  const lines = [
    `# Event bus benchmark, ${report.date}`,
    '',
    `Machine: ${JSON.stringify(report.machine)}`,
    '',
    '| measure | result |',
    '| ------- | ------ |',
    ...Object.entries(report.results).map(
      ([name, value]) => `| ${name} | \`${JSON.stringify(value)}\` |`,
    ),
    '',
    '| target | wanted | met |',
    '| ------ | ------ | --- |',
    ...Object.entries(report.targets).map(
      ([name, wanted]) =>
        `| ${name} | ${wanted} | ${report.met[name] ? 'yes' : 'NO'} |`,
    ),
    '',
  ];
  writeFileSync(join(dir, 'latest.md'), lines.join('\n'));
  console.log(lines.join('\n'));
}

async function redisVersion(url: string): Promise<string> {
  const redis = new Redis(url);
  try {
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    await redis.quit();
  }
}

async function waitUntil(
  condition: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('bench: timed out waiting');
    await sleep(20);
  }
}

const perSecond = (events: number, ms: number) =>
  Math.round((events / ms) * 1_000);
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
