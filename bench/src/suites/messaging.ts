import { DEFAULT_KEY_PREFIX, streamKey } from '@app/event-bus';
import type { Redis } from 'ioredis';
import type { LoadMode } from '../load.js';
import type { Group, Phase, ProcessSpec, Variant } from '../runner.js';
import { UNSIGNED_KEY_PREFIX, type BusRoleOptions } from '../signatures.js';

export interface MessagingSizes {
  /** Events per saturated or awaited run. */
  events: number;
  /** Events per steady-rate run (at `ratePerSecond`). */
  latencyEvents: number;
  /** Events per run with 16 KB payloads. */
  largeEvents: number;
}

export const IN_FLIGHT = 1_000;
export const RATE_PER_SECOND = 5_000;
export const PAYLOAD_BYTES = 400;

const saturate: LoadMode = { kind: 'saturate', inFlight: IN_FLIGHT };
const awaited: LoadMode = { kind: 'awaited' };
const steady: LoadMode = { kind: 'rate', perSecond: RATE_PER_SECOND };

/** The bus's keys: signed pairs use the default, unsigned ones their own. */
const BUS_PREFIXES = [DEFAULT_KEY_PREFIX, UNSIGNED_KEY_PREFIX];
const BUS_STREAMS = BUS_PREFIXES.map((prefix) =>
  streamKey(prefix, 'user.verified'),
);
/** One stream per raw loop, so that each loop reads only its own entries. */
const RAW_STREAM = { each: 'bench:raw-each', batched: 'bench:raw-batched' };
const RAW_CHANNEL = 'bench.raw';
/** The durable groups' stock pair uses its own pattern, so that it does not also receive the bus's broadcast copies. */
const STOCK_PATTERN = 'bench.stock';

/**
 * The bus publisher and consumer with signatures on (as the services run)
 * or off (bench only, signatures.ts), the latter on their own keys.
 */
const busOptions = (
  redisUrl: string,
  signatures: boolean,
): BusRoleOptions & Record<string, unknown> =>
  signatures
    ? { redisUrl }
    : { redisUrl, signatures: false, keyPrefix: UNSIGNED_KEY_PREFIX };

/** Every subscriber has subscribed before the first run. */
const subscribed =
  (channels: Record<string, number>) =>
  async (redis: Redis): Promise<void> => {
    const deadline = Date.now() + 30_000;
    for (const [channel, wanted] of Object.entries(channels)) {
      for (;;) {
        const [, count] = (await redis.pubsub('NUMSUB', channel)) as [
          string,
          number,
        ];
        if (count >= wanted) break;
        if (Date.now() > deadline) {
          throw new Error(`no subscriber on ${channel} after 30 s`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };

/** Nothing keeps broadcast runs' keys (no consumer group): drop them. */
const flush = async (redis: Redis) => void (await redis.flushall());
/**
 * The bus keeps a history of what it published for an hour and an inbox
 * entry per handled event for a day; runs of tens of thousands of events
 * would pile them up in the bench's Redis. Nothing reads them once a run is
 * over, and the durable phases cannot flush (their consumer groups stay).
 */
async function dropBookkeeping(redis: Redis): Promise<void> {
  const patterns = BUS_PREFIXES.flatMap((prefix) =>
    ['history:*', 'inbox:*'].map((pattern) => `${prefix}${pattern}`),
  );
  for (const pattern of patterns) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        pattern,
        'COUNT',
        5_000,
      );
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  }
}

/** Durable runs leave acknowledged entries: trim them, keep the groups. */
const trimStreams = async (redis: Redis) => {
  for (const stream of BUS_STREAMS) await redis.xtrim(stream, 'MAXLEN', 0);
  await redis.xtrim(RAW_STREAM.each, 'MAXLEN', 0);
  await redis.xtrim(RAW_STREAM.batched, 'MAXLEN', 0);
};

export function broadcastGroup(redisUrl: string, sizes: MessagingSizes): Group {
  const processes: Record<string, ProcessSpec> = {
    bus: { role: 'bus-publisher', options: busOptions(redisUrl, true) },
    // Starts with the last phase, the only one that uses it.
    busUnsigned: {
      role: 'bus-publisher',
      options: busOptions(redisUrl, false),
    },
    emit: {
      role: 'stock-publisher',
      options: { redisUrl, pattern: 'user.verified' },
    },
    rawToStock: {
      role: 'raw-publisher',
      options: { redisUrl, kind: 'publish', target: 'user.verified' },
    },
    rawToRaw: {
      role: 'raw-publisher',
      options: { redisUrl, kind: 'publish', target: RAW_CHANNEL },
    },
    stock: {
      role: 'stock-subscriber',
      options: { redisUrl, pattern: 'user.verified' },
    },
    rawSub: {
      role: 'raw-subscriber',
      options: { redisUrl, channel: RAW_CHANNEL },
    },
  };
  const variants = (
    name: string,
    mode: LoadMode,
    count: number,
    latency = false,
  ): Variant[] => [
    {
      id: `broadcast.${name}.bus`,
      label: 'EventBus.publish -> stock Nest @EventPattern',
      publisher: 'bus',
      consumers: ['stock'],
      mode,
      count,
      latency,
      payloadBytes: PAYLOAD_BYTES,
    },
    {
      id: `broadcast.${name}.emit`,
      label: 'stock ClientProxy.emit -> stock Nest @EventPattern',
      publisher: 'emit',
      consumers: ['stock'],
      mode,
      count,
      latency,
      payloadBytes: PAYLOAD_BYTES,
    },
    {
      id: `broadcast.${name}.raw-to-stock`,
      label: 'raw ioredis PUBLISH -> stock Nest @EventPattern',
      publisher: 'rawToStock',
      consumers: ['stock'],
      mode,
      count,
      latency,
      payloadBytes: PAYLOAD_BYTES,
    },
    {
      id: `broadcast.${name}.raw`,
      label: 'raw ioredis PUBLISH -> raw SUBSCRIBE',
      publisher: 'rawToRaw',
      consumers: ['rawSub'],
      mode,
      count,
      latency,
      payloadBytes: PAYLOAD_BYTES,
    },
  ];
  const phase = (name: string, list: Variant[]): Phase => ({
    id: `broadcast.${name}`,
    variants: list,
    ready: subscribed({ 'user.verified': 1, [RAW_CHANNEL]: 1 }),
  });
  return {
    id: 'broadcast',
    processes,
    phases: [
      phase('saturation', variants('saturation', saturate, sizes.events)),
      phase('awaited', variants('awaited', awaited, sizes.events)),
      phase('steady', variants('steady', steady, sizes.latencyEvents, true)),
      // What signing costs the publisher: the same publish with signatures
      // off (bench only), alternated with it; last, so that its extra
      // publisher never runs during the phases above.
      {
        id: 'broadcast.signatures',
        variants: ([true, false] as const).map((signed): Variant => ({
          id: `broadcast.signatures.${signed ? 'signed' : 'unsigned'}`,
          label: `EventBus.publish -> stock Nest @EventPattern, signatures ${signed ? 'on' : 'off (bench-only pass-through)'}`,
          publisher: signed ? 'bus' : 'busUnsigned',
          consumers: ['stock'],
          mode: saturate,
          count: sizes.events,
          payloadBytes: PAYLOAD_BYTES,
        })),
        ready: subscribed({ 'user.verified': 1 }),
      },
    ],
    betweenRuns: flush,
  };
}

export function durableGroup(redisUrl: string, sizes: MessagingSizes): Group {
  const rawConsumer = (ack: 'each' | 'batched'): ProcessSpec => ({
    role: 'raw-stream-consumer',
    options: { redisUrl, stream: RAW_STREAM[ack], group: `raw-${ack}`, ack },
  });
  const base: Record<string, ProcessSpec> = {
    bus: { role: 'bus-publisher', options: busOptions(redisUrl, true) },
    xaddEach: {
      role: 'raw-publisher',
      options: { redisUrl, kind: 'xadd', target: RAW_STREAM.each },
    },
    xaddBatched: {
      role: 'raw-publisher',
      options: { redisUrl, kind: 'xadd', target: RAW_STREAM.batched },
    },
  };
  const stockPair: Record<string, ProcessSpec> = {
    emit: {
      role: 'stock-publisher',
      options: { redisUrl, pattern: STOCK_PATTERN },
    },
    stock: {
      role: 'stock-subscriber',
      options: { redisUrl, pattern: STOCK_PATTERN },
    },
  };
  const busConsumers = (n: number) =>
    Object.fromEntries(
      Array.from({ length: n }, (_, i): [string, ProcessSpec] => [
        `consumer${i}`,
        { role: 'bus-consumer', options: busOptions(redisUrl, true) },
      ]),
    );
  const batchedConsumers = (n: number) =>
    Object.fromEntries(
      Array.from({ length: n }, (_, i): [string, ProcessSpec] => [
        `batched${i}`,
        rawConsumer('batched'),
      ]),
    );
  const keys = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  const busVariant = (
    name: string,
    mode: LoadMode,
    count: number,
    options: {
      consumers?: number;
      payloadBytes?: number;
      latency?: boolean;
    } = {},
  ): Variant => ({
    id: `durable.${name}.bus`,
    label: `EventBus.publish -> ServerRedisStreams @EventPattern${options.consumers && options.consumers > 1 ? ` (${options.consumers} instances)` : ''}`,
    publisher: 'bus',
    consumers: keys('consumer', options.consumers ?? 1),
    mode,
    count,
    latency: options.latency,
    payloadBytes: options.payloadBytes ?? PAYLOAD_BYTES,
  });
  const rawVariant = (
    name: string,
    ack: 'each' | 'batched',
    mode: LoadMode,
    count: number,
    options: {
      consumers?: number;
      payloadBytes?: number;
      latency?: boolean;
    } = {},
  ): Variant => ({
    id: `durable.${name}.raw-${ack}`,
    label: `raw XADD + XREADGROUP + XACK ${ack === 'each' ? 'per entry' : 'batched'}${options.consumers && options.consumers > 1 ? ` (${options.consumers} instances)` : ''}`,
    publisher: ack === 'each' ? 'xaddEach' : 'xaddBatched',
    consumers:
      ack === 'each' ? ['each0'] : keys('batched', options.consumers ?? 1),
    mode,
    count,
    latency: options.latency,
    payloadBytes: options.payloadBytes ?? PAYLOAD_BYTES,
  });
  const emitVariant = (
    name: string,
    mode: LoadMode,
    count: number,
    latency = false,
  ): Variant => ({
    id: `durable.${name}.emit`,
    label: 'stock ClientProxy.emit -> stock Nest @EventPattern (not durable)',
    publisher: 'emit',
    consumers: ['stock'],
    mode,
    count,
    latency,
    payloadBytes: PAYLOAD_BYTES,
  });
  const phase = (name: string, variants: Variant[], stock = false): Phase => ({
    id: `durable.${name}`,
    variants,
    ready: stock ? subscribed({ [STOCK_PATTERN]: 1 }) : undefined,
  });
  const { events, latencyEvents, largeEvents } = sizes;
  return {
    id: 'durable',
    processes: {
      ...base,
      ...stockPair,
      ...busConsumers(4),
      each0: rawConsumer('each'),
      ...batchedConsumers(4),
    },
    // Single-instance phases first: the extra instances start (and share
    // the group's work) only from the phases that use them.
    phases: [
      phase(
        'saturation',
        [
          busVariant('saturation', saturate, events),
          emitVariant('saturation', saturate, events),
          rawVariant('saturation', 'batched', saturate, events),
          rawVariant('saturation', 'each', saturate, events),
        ],
        true,
      ),
      phase(
        'awaited',
        [
          busVariant('awaited', awaited, events),
          emitVariant('awaited', awaited, events),
          rawVariant('awaited', 'batched', awaited, events),
        ],
        true,
      ),
      phase(
        'steady',
        [
          busVariant('steady', steady, latencyEvents, { latency: true }),
          emitVariant('steady', steady, latencyEvents, true),
          rawVariant('steady', 'batched', steady, latencyEvents, {
            latency: true,
          }),
        ],
        true,
      ),
      ...(
        [
          ['payload-1k', 1_024, events],
          ['payload-16k', 16_384, largeEvents],
        ] as const
      ).map(([name, bytes, count]) =>
        phase(name, [
          busVariant(name, saturate, count, { payloadBytes: bytes }),
          rawVariant(name, 'batched', saturate, count, {
            payloadBytes: bytes,
          }),
        ]),
      ),
      ...[2, 4].map((n) =>
        phase(`instances-${n}`, [
          busVariant(`instances-${n}`, saturate, events, { consumers: n }),
          rawVariant(`instances-${n}`, 'batched', saturate, events, {
            consumers: n,
          }),
        ]),
      ),
    ],
    betweenRuns: durableCleanUp,
  };
}

/**
 * What signing and verifying cost end to end (issue 10): the durable path
 * with signatures on, alternated with the same path with them off (bench
 * only), each pair on its own keys. A group of its own: the durable group's
 * extra consumer instances, still running at its end, would share the signed
 * pair's consumer group, and these processes would otherwise run during the
 * durable group's phases.
 */
export function durableSignaturesGroup(
  redisUrl: string,
  sizes: MessagingSizes,
): Group {
  const variant = (signed: boolean): Variant => ({
    id: `durable.signatures.${signed ? 'signed' : 'unsigned'}`,
    label: `EventBus.publish -> ServerRedisStreams @EventPattern, signatures ${signed ? 'on' : 'off (bench-only pass-through)'}`,
    publisher: signed ? 'bus' : 'busUnsigned',
    consumers: [signed ? 'consumer' : 'consumerUnsigned'],
    mode: saturate,
    count: sizes.events,
    payloadBytes: PAYLOAD_BYTES,
  });
  return {
    id: 'durable-signatures',
    processes: {
      bus: { role: 'bus-publisher', options: busOptions(redisUrl, true) },
      consumer: { role: 'bus-consumer', options: busOptions(redisUrl, true) },
      busUnsigned: {
        role: 'bus-publisher',
        options: busOptions(redisUrl, false),
      },
      consumerUnsigned: {
        role: 'bus-consumer',
        options: busOptions(redisUrl, false),
      },
    },
    phases: [
      { id: 'durable.signatures', variants: [true, false].map(variant) },
    ],
    betweenRuns: durableCleanUp,
  };
}

async function durableCleanUp(redis: Redis): Promise<void> {
  await trimStreams(redis);
  await dropBookkeeping(redis);
}
