import type { Redis } from 'ioredis';
import type { LoadMode, LoadResult, TallyReport } from './load.js';
import { percentiles, type Percentiles } from './percentiles.js';
import { startChild, type Child } from './protocol.js';

/** A child process of a group: its role (roles/<role>.ts) and options. */
export interface ProcessSpec {
  role: string;
  options: Record<string, unknown>;
}

/** One measured configuration: who sends, who receives, how. */
export interface Variant {
  id: string;
  label: string;
  /** Key of the sending process in the group. */
  publisher: string;
  /** Keys of the receiving processes; none when the sender checks arrival itself. */
  consumers: string[];
  mode: LoadMode;
  payloadBytes: number;
  count: number;
  /** Extra fields of the publish request (e.g. the queue). */
  request?: Record<string, unknown>;
  latency?: boolean;
}

/**
 * Variants measured together: their runs alternate (A B C, A B C, ...)
 * after one warm-up each, so that the machine's noise falls on all of them
 * alike and cancels out in the ratios.
 */
export interface Phase {
  id: string;
  variants: Variant[];
  /** After its processes are up, before the first run (subscriptions). */
  ready?: (redis: Redis) => Promise<void>;
}

/**
 * Phases sharing processes: a process starts before the first phase that
 * uses it and runs until the group ends (starting Nest apps takes seconds).
 */
export interface Group {
  id: string;
  processes: Record<string, ProcessSpec>;
  phases: Phase[];
  /** After every run, with the processes idle (free Redis memory). */
  betweenRuns?: (redis: Redis) => Promise<void>;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
}

export interface RunResult {
  eventsPerSecond: number;
  /** Sent (or committed) but never received: must be 0. */
  lost: number;
  duplicates: number;
  /** Sends that failed (rejected promise); they count as lost too. */
  failed: number;
  firstError?: string;
  publisherCpuUsPerEvent: number;
  consumerCpuUsPerEvent?: number;
  /** The redis-server's CPU (user + system) over the run, per event. */
  redisCpuUsPerEvent: number;
  latencyMs?: Percentiles;
  messageBytes?: number;
}

export interface VariantResult {
  id: string;
  label: string;
  mode: LoadMode;
  events: number;
  payloadBytes: number;
  consumers: number;
  runs: RunResult[];
  summary: Record<string, Summary>;
}

export interface RunSettings {
  rounds: number;
  warmupEvents: number;
  cwd: string;
  redis: Redis;
  log: (line: string) => void;
}

type PublishReply = LoadResult & { messageBytes?: number; onStream?: number };

/** Runs a group: its phases in order, each warm-up then alternated rounds. */
export async function runGroup(
  group: Group,
  settings: RunSettings,
): Promise<VariantResult[]> {
  const children = new Map<string, Child>();
  const results: VariantResult[] = [];
  try {
    for (const phase of group.phases) {
      const needed = new Set(
        phase.variants.flatMap((variant) => [
          variant.publisher,
          ...variant.consumers,
        ]),
      );
      await Promise.all(
        [...needed]
          .filter((key) => !children.has(key))
          .map(async (key) => {
            const spec = group.processes[key];
            if (!spec)
              throw new Error(`bench: no process ${key} in ${group.id}`);
            children.set(
              key,
              await startChild(
                `${group.id}/${key}`,
                spec.role,
                spec.options,
                settings.cwd,
              ),
            );
          }),
      );
      await phase.ready?.(settings.redis);
      results.push(...(await runPhase(phase, group, children, settings)));
    }
    return results;
  } finally {
    await Promise.all([...children.values()].map((child) => child.stop()));
  }
}

async function runPhase(
  phase: Phase,
  group: Group,
  children: Map<string, Child>,
  settings: RunSettings,
): Promise<VariantResult[]> {
  const results = phase.variants.map((variant): VariantResult => ({
    id: variant.id,
    label: variant.label,
    mode: variant.mode,
    events: variant.count,
    payloadBytes: variant.payloadBytes,
    consumers: variant.consumers.length,
    runs: [],
    summary: {},
  }));
  for (let round = 0; round <= settings.rounds; round++) {
    for (const [index, variant] of phase.variants.entries()) {
      const warmup = round === 0;
      const count = warmup
        ? Math.min(settings.warmupEvents, variant.count)
        : variant.count;
      const run = await runOnce(
        variant,
        children,
        settings.redis,
        `${variant.id}#${round}`,
        count,
      );
      await group.betweenRuns?.(settings.redis);
      settings.log(
        `${warmup ? 'warm-up' : `round ${round}`} ${variant.id}: ${run.eventsPerSecond}/s, lost ${run.lost}` +
          (run.latencyMs ? `, p99 ${run.latencyMs.p99} ms` : ''),
      );
      if (!warmup) results[index].runs.push(run);
    }
  }
  for (const result of results) result.summary = summarise(result.runs);
  return results;
}

async function runOnce(
  variant: Variant,
  children: Map<string, Child>,
  redis: Redis,
  run: string,
  count: number,
): Promise<RunResult> {
  const publisher = children.get(variant.publisher)!;
  const consumers = variant.consumers.map((key) => children.get(key)!);
  await Promise.all(
    consumers.map((consumer) =>
      consumer.request({
        cmd: 'expect',
        run,
        count,
        latency: Boolean(variant.latency),
      }),
    ),
  );
  if (SHOW_COMMAND_STATS) await redis.config('RESETSTAT');
  const redisCpuBefore = await redisCpuMicros(redis);
  const sent = await publisher.request<PublishReply>({
    cmd: 'publish',
    run,
    count,
    mode: variant.mode,
    payloadBytes: variant.payloadBytes,
    ...variant.request,
  });
  const base = {
    failed: sent.failed,
    firstError: sent.firstError,
    publisherCpuUsPerEvent: round1(sent.cpuMicros / count),
    messageBytes: sent.messageBytes,
  };
  if (consumers.length === 0) {
    const arrived = Math.min(count, sent.onStream ?? 0);
    return {
      ...base,
      redisCpuUsPerEvent: round1(
        ((await redisCpuMicros(redis)) - redisCpuBefore) / count,
      ),
      eventsPerSecond: perSecond(arrived, sent.endAt - sent.startAt),
      lost: count - arrived,
      duplicates: 0,
    };
  }
  await waitForConsumers(consumers, count);
  const redisCpu = (await redisCpuMicros(redis)) - redisCpuBefore;
  if (SHOW_COMMAND_STATS) {
    console.log(`${run}: ${await redis.info('commandstats')}`);
  }
  const reports = await Promise.all(
    consumers.map((consumer) =>
      consumer.request<TallyReport>({ cmd: 'report' }),
    ),
  );
  const seen = new Uint8Array(count);
  let duplicates = 0;
  for (const report of reports) {
    duplicates += report.duplicates;
    Buffer.from(report.seen, 'base64').forEach((bit, seq) => {
      if (bit && seen[seq]) duplicates++;
      seen[seq] ||= bit;
    });
  }
  const received = seen.reduce((sum, bit) => sum + bit, 0);
  const lastAt = Math.max(...reports.map((report) => report.lastAt));
  const latencies = reports.flatMap((report) => report.latencies ?? []);
  return {
    ...base,
    eventsPerSecond: perSecond(received, lastAt - sent.startAt),
    lost: count - received,
    duplicates,
    consumerCpuUsPerEvent: round1(
      reports.reduce((sum, report) => sum + report.cpuMicros, 0) / count,
    ),
    redisCpuUsPerEvent: round1(redisCpu / count),
    latencyMs: variant.latency ? percentiles(latencies) : undefined,
  };
}

/**
 * Until the consumers have `count` events, or nothing moved for 45 s: longer
 * than the durable transport takes (30 s by default) to hand entries left
 * pending by a stuck read to another read, so that late is not counted lost.
 */
async function waitForConsumers(
  consumers: Child[],
  count: number,
): Promise<void> {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const progress = await Promise.all(
      consumers.map((consumer) =>
        consumer.request<number>({ cmd: 'progress' }),
      ),
    );
    const total = progress.reduce((sum, value) => sum + value, 0);
    if (total >= count) return;
    if (total !== last) {
      last = total;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > STALL_MS) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function summarise(runs: RunResult[]): Record<string, Summary> {
  const metrics: Record<string, Array<number | undefined>> = {
    eventsPerSecond: runs.map((run) => run.eventsPerSecond),
    publisherCpuUsPerEvent: runs.map((run) => run.publisherCpuUsPerEvent),
    consumerCpuUsPerEvent: runs.map((run) => run.consumerCpuUsPerEvent),
    redisCpuUsPerEvent: runs.map((run) => run.redisCpuUsPerEvent),
    p50: runs.map((run) => run.latencyMs?.p50),
    p95: runs.map((run) => run.latencyMs?.p95),
    p99: runs.map((run) => run.latencyMs?.p99),
  };
  const summary: Record<string, Summary> = {};
  for (const [name, values] of Object.entries(metrics)) {
    const present = values.filter(
      (value): value is number => value !== undefined,
    );
    if (present.length > 0) summary[name] = summaryOf(present);
  }
  return summary;
}

export function summaryOf(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median =
    sorted.length % 2
      ? sorted[Math.floor(middle)]
      : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median: round1(median), min: sorted[0], max: sorted.at(-1)! };
}

const STALL_MS = 45_000;

/**
 * `BENCH_REDIS_COMMAND_STATS=1`: print, after each run, what each Redis
 * command cost in it (`INFO commandstats`, commands inside scripts too).
 */
const SHOW_COMMAND_STATS = process.env.BENCH_REDIS_COMMAND_STATS === '1';

/**
 * The bench's private redis-server's CPU so far (`INFO cpu`, user + system
 * of all its threads), in µs: Redis's share of an event's cost, which the
 * publisher's and consumer's own figures leave out.
 */
async function redisCpuMicros(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const seconds = (name: string) =>
    Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6;
}

export const round1 = (value: number) => Math.round(value * 10) / 10;
const perSecond = (events: number, ms: number) =>
  ms > 0 ? Math.round((events / ms) * 1_000) : 0;
