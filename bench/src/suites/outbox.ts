import { join } from 'node:path';
import { DEFAULT_KEY_PREFIX, streamKey } from '@app/event-bus';
import type { Redis } from 'ioredis';
import type { Group, Phase } from '../runner.js';

/** Transactions in flight at once, for the bus and the plain loop alike. */
export const OUTBOX_IN_FLIGHT = 10;

const dropStreams = async (redis: Redis) =>
  void (await redis.del(
    streamKey(DEFAULT_KEY_PREFIX, 'user.verified'),
    'bench:outbox-raw',
  ));

/**
 * `publish(..., { transaction })` until the event is on its stream, against
 * a plain `INSERT` in a transaction followed by `XADD`, on one database.
 */
export function outboxGroup(
  redisUrl: string,
  events: number,
  where: { dataDir: string; databaseUrl: string },
): Group {
  const options = (
    database: 'pglite' | 'postgres',
    variant: 'bus' | 'raw',
  ) => ({
    redisUrl,
    variant,
    inFlight: OUTBOX_IN_FLIGHT,
    ...(database === 'pglite'
      ? { dataDir: join(where.dataDir, `outbox-${variant}`) }
      : { databaseUrl: where.databaseUrl }),
  });
  return {
    id: 'outbox',
    processes: Object.fromEntries(
      (['pglite', 'postgres'] as const).flatMap((database) =>
        (['bus', 'raw'] as const).map((variant) => [
          `${database}-${variant}`,
          { role: 'outbox', options: options(database, variant) },
        ]),
      ),
    ),
    phases: (['pglite', 'postgres'] as const).map((database) =>
      phase(database, events),
    ),
    betweenRuns: dropStreams,
  };
}

function phase(database: 'pglite' | 'postgres', events: number): Phase {
  const label = database === 'pglite' ? 'PGlite' : 'PostgreSQL';
  return {
    id: `outbox.${database}`,
    variants: [
      {
        id: `outbox.${database}.bus`,
        label: `INSERT + EventBus.publish({ transaction }) on ${label}, until on the stream`,
        publisher: `${database}-bus`,
        consumers: [],
        mode: { kind: 'saturate', inFlight: OUTBOX_IN_FLIGHT },
        payloadBytes: 400,
        count: events,
      },
      {
        id: `outbox.${database}.raw`,
        label: `INSERT in a transaction, then XADD, on ${label}`,
        publisher: `${database}-raw`,
        consumers: [],
        mode: { kind: 'saturate', inFlight: OUTBOX_IN_FLIGHT },
        payloadBytes: 400,
        count: events,
      },
    ],
  };
}
