import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  createTestDatabase,
  TEST_DATABASE_ADMIN_URL,
  type TestDatabase,
} from '../../test/support/postgres.js';
import {
  startRedisServer,
  type RedisServer,
} from '../../test/support/redis-server.js';
import { killAllChildren } from './protocol.js';
import { writeReport } from './report.js';
import { buildRows } from './rows.js';
import { runGroup, type Group, type VariantResult } from './runner.js';
import { jobGroup } from './suites/jobs.js';
import {
  broadcastGroup,
  durableGroup,
  durableSignaturesGroup,
} from './suites/messaging.js';
import { outboxGroup } from './suites/outbox.js';
import {
  runSystem,
  type SystemResult,
  type SystemSettings,
} from './suites/system.js';

/**
 * `npm run bench [-- --quick] [--events <n>] [--only <prefix>] [--out <dir>]`:
 * the bus side by side
 * with the baselines it replaces (stock Nest Redis transport, raw ioredis
 * pub/sub and streams, plain INSERT + XADD, raw BullMQ), every pair in the
 * same invocation, alternated; then the four services as processes. A
 * private redis-server and PostgreSQL database serve the run; everything
 * started is stopped, also on failure. Writes bench/results/latest.{json,md}.
 */

const FULL = {
  rounds: 3,
  warmupEvents: 5_000,
  messaging: { events: 50_000, latencyEvents: 50_000, largeEvents: 5_000 },
  outboxEvents: 3_000,
  jobs: { jobs: 10_000, latencyJobs: 2_000 },
  system: {
    rates: [5, 10, 20, 30, 40, 80, 160],
    stepSeconds: 10,
    idleSeconds: 10,
    afterSeconds: 60,
  } satisfies SystemSettings,
};

/** A smoke run: every row, tiny counts, one round. Its figures mean nothing. */
const QUICK: typeof FULL = {
  rounds: 1,
  warmupEvents: 200,
  messaging: { events: 2_000, latencyEvents: 2_500, largeEvents: 300 },
  outboxEvents: 200,
  jobs: { jobs: 500, latencyJobs: 200 },
  system: { rates: [5], stepSeconds: 2, idleSeconds: 1, afterSeconds: 5 },
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
function valueOf(flag: string): string | undefined {
  return args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined;
}
/** Only the phases (and system runs) whose id starts with this. */
const only = valueOf('--only') ?? '';
/** Where latest.json and latest.md go (the e2e test writes elsewhere). */
const outDir = resolve(valueOf('--out') ?? 'bench/results');
/**
 * Events per messaging run instead of 50,000 (the other counts follow in
 * proportion), for a full run that must fit in less time; the result file
 * records it.
 */
const events = Number(valueOf('--events') ?? 0);
const settings = quick ? QUICK : events > 0 ? scaled(events) : FULL;

function scaled(n: number): typeof FULL {
  const part = (divisor: number) => Math.max(100, Math.round(n / divisor));
  return {
    ...FULL,
    // A full warm-up still: code that runs once per batch (signing) is
    // optimised only after thousands of events.
    warmupEvents: Math.min(FULL.warmupEvents, n),
    messaging: { events: n, latencyEvents: n, largeEvents: part(10) },
    outboxEvents: part(16),
    jobs: { jobs: part(5), latencyJobs: Math.min(2_000, part(5)) },
  };
}
const started = Date.now();
const log = (line: string) =>
  console.log(`[bench ${Math.round((Date.now() - started) / 1_000)}s] ${line}`);

let redisServer: RedisServer | undefined;
let admin: Redis | undefined;
let outboxDatabase: TestDatabase | undefined;
const workDir = mkdtempSync(join(tmpdir(), 'bench-'));
let cleaning: Promise<void> | undefined;

function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    killAllChildren();
    admin?.disconnect();
    await outboxDatabase?.drop().catch(() => undefined);
    await redisServer?.kill();
    rmSync(workDir, { recursive: true, force: true });
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanUp().finally(() => process.exit(130));
  });
}
process.once('exit', killAllChildren);

async function main(): Promise<void> {
  redisServer = await startRedisServer();
  admin = new Redis(redisServer.url);
  outboxDatabase = await createTestDatabase();
  const redisUrl = redisServer.url;
  log(
    `${quick ? 'quick' : 'full'} run; Redis ${redisUrl}, work dir ${workDir}`,
  );

  const groups: Group[] = [
    broadcastGroup(redisUrl, settings.messaging),
    durableGroup(redisUrl, settings.messaging),
    durableSignaturesGroup(redisUrl, settings.messaging),
    outboxGroup(redisUrl, settings.outboxEvents, {
      dataDir: join(workDir, 'pglite'),
      databaseUrl: outboxDatabase.url,
    }),
    jobGroup(redisUrl, settings.jobs),
  ]
    .map((group) => ({
      ...group,
      phases: group.phases.filter((phase) => phase.id.startsWith(only)),
    }))
    .filter((group) => group.phases.length > 0);

  const variants: VariantResult[] = [];
  for (const group of groups) {
    log(`group ${group.id}`);
    variants.push(
      ...(await runGroup(group, {
        rounds: settings.rounds,
        warmupEvents: settings.warmupEvents,
        cwd: workDir,
        redis: admin,
        log,
      })),
    );
    await admin.flushall();
  }

  const systems: SystemResult[] = [];
  for (const database of ['pglite', 'postgres'] as const) {
    if (!`system.${database}`.startsWith(only)) continue;
    log(`system on ${database}`);
    systems.push(await runSystem(database, redisUrl, settings.system, log));
    await admin.flushall();
  }

  const markdown = writeReport(outDir, {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    durationSeconds: Math.round((Date.now() - started) / 1_000),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${type()} ${release()}`,
      node: process.version,
      redis: await redisVersion(admin),
      postgres: await postgresVersion(),
    },
    settings: { ...settings, only: only || undefined },
    rows: buildRows(variants, systems),
    variants,
    system: systems,
  });
  console.log(markdown);
}

async function redisVersion(redis: Redis): Promise<string> {
  const info = await redis.info('server');
  return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
}

async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>(
      'show server_version',
    );
    return rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end();
  }
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
