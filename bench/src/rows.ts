import type { Summary, VariantResult } from './runner.js';
import type { SystemResult } from './suites/system.js';

/**
 * The comparisons the bench reports, each with its target from issue 8
 * ("Targets"): a project figure beside its baseline from the same run, the
 * ratio project / baseline of the medians, and whether the target is met.
 */

type Metric =
  | 'eventsPerSecond'
  | 'p99'
  | 'publisherCpuUsPerEvent'
  | 'consumerCpuUsPerEvent'
  | 'redisCpuUsPerEvent';

interface Ref {
  variant: string;
  metric: Metric;
}

interface Target {
  text: string;
  met: (ratio: number, value: (ref: Ref) => number) => boolean;
}

interface RowSpec {
  id: string;
  section: string;
  label: string;
  project: Ref;
  baseline: Ref;
  target?: Target;
}

export interface Figure extends Summary {
  label: string;
  variant?: string;
  metric: string;
}

export interface Row {
  id: string;
  section: string;
  label: string;
  project: Figure;
  baseline: Figure;
  ratio: number;
  target: string;
  /** null: reported without a target. */
  met: boolean | null;
}

const atLeast = (wanted: number, text?: string): Target => ({
  text: text ?? `ratio >= ${wanted}`,
  met: (ratio) => ratio >= wanted,
});
const atMost = (wanted: number, text?: string): Target => ({
  text: text ?? `ratio <= ${wanted}`,
  met: (ratio) => ratio <= wanted,
});

const eps = (variant: string): Ref => ({ variant, metric: 'eventsPerSecond' });
const p99 = (variant: string): Ref => ({ variant, metric: 'p99' });
const cpu = (
  variant: string,
  side: 'publisher' | 'consumer' | 'redis',
): Ref => ({
  variant,
  metric: `${side}CpuUsPerEvent`,
});

const SPECS: RowSpec[] = [
  {
    id: 'broadcast.saturation.vs-emit',
    section: 'broadcast',
    label: 'EventBus.publish vs stock emit, 1,000 in flight (events/s)',
    project: eps('broadcast.saturation.bus'),
    baseline: eps('broadcast.saturation.emit'),
    target: {
      text: ">= 1.5x stock emit, or the stock subscriber's ceiling (raw PUBLISH -> stock) if lower",
      met: (_ratio, value) =>
        value(eps('broadcast.saturation.bus')) >=
        Math.min(
          1.5 * value(eps('broadcast.saturation.emit')),
          value(eps('broadcast.saturation.raw-to-stock')),
        ),
    },
  },
  {
    id: 'broadcast.saturation.vs-raw-to-stock',
    section: 'broadcast',
    label:
      'EventBus.publish vs raw PUBLISH into the stock subscriber (its ceiling), 1,000 in flight',
    project: eps('broadcast.saturation.bus'),
    baseline: eps('broadcast.saturation.raw-to-stock'),
  },
  {
    id: 'broadcast.saturation.vs-raw',
    section: 'broadcast',
    label:
      'EventBus.publish -> stock vs raw PUBLISH -> raw SUBSCRIBE, 1,000 in flight',
    project: eps('broadcast.saturation.bus'),
    baseline: eps('broadcast.saturation.raw'),
  },
  {
    id: 'broadcast.awaited.vs-emit',
    section: 'broadcast',
    label: 'one publish awaited at a time vs stock emit awaited (events/s)',
    project: eps('broadcast.awaited.bus'),
    baseline: eps('broadcast.awaited.emit'),
  },
  {
    id: 'broadcast.awaited.vs-raw-to-stock',
    section: 'broadcast',
    label: 'one publish awaited at a time vs raw PUBLISH awaited',
    project: eps('broadcast.awaited.bus'),
    baseline: eps('broadcast.awaited.raw-to-stock'),
  },
  {
    id: 'broadcast.steady.p99.vs-emit',
    section: 'broadcast',
    label: 'p99 publish-to-handler at 5,000 events/s vs stock emit (ms)',
    project: p99('broadcast.steady.bus'),
    baseline: p99('broadcast.steady.emit'),
    target: atMost(1, "<= 1.0x stock Nest's p99"),
  },
  {
    id: 'broadcast.steady.p99.vs-raw',
    section: 'broadcast',
    label: 'p99 at 5,000 events/s vs raw PUBLISH -> raw SUBSCRIBE (ms)',
    project: p99('broadcast.steady.bus'),
    baseline: p99('broadcast.steady.raw'),
  },
  {
    id: 'broadcast.cpu.publisher',
    section: 'cpu',
    label:
      'publisher CPU per event, EventBus.publish vs stock emit (µs, 1,000 in flight)',
    project: {
      variant: 'broadcast.saturation.bus',
      metric: 'publisherCpuUsPerEvent',
    },
    baseline: {
      variant: 'broadcast.saturation.emit',
      metric: 'publisherCpuUsPerEvent',
    },
    target: atMost(1, '<= 1.0x stock emit'),
  },
  {
    id: 'broadcast.cpu.consumer',
    section: 'cpu',
    label:
      'stock subscriber CPU per event, receiving the bus vs stock emit (µs)',
    project: {
      variant: 'broadcast.saturation.bus',
      metric: 'consumerCpuUsPerEvent',
    },
    baseline: {
      variant: 'broadcast.saturation.emit',
      metric: 'consumerCpuUsPerEvent',
    },
  },
  {
    id: 'broadcast.cpu.redis',
    section: 'cpu',
    label:
      'Redis CPU per event, EventBus.publish (stream append and PUBLISH) vs stock emit (µs)',
    project: cpu('broadcast.saturation.bus', 'redis'),
    baseline: cpu('broadcast.saturation.emit', 'redis'),
  },
  {
    id: 'durable.saturation.vs-emit',
    section: 'durable',
    label:
      'durable end to end vs stock emit (not durable), 1,000 in flight (events/s)',
    project: eps('durable.saturation.bus'),
    baseline: eps('durable.saturation.emit'),
    target: atLeast(1),
  },
  {
    id: 'durable.saturation.vs-raw-batched',
    section: 'durable',
    label:
      'durable end to end vs raw XADD + XREADGROUP + batched XACK, 1,000 in flight',
    project: eps('durable.saturation.bus'),
    baseline: eps('durable.saturation.raw-batched'),
    target: atLeast(0.5),
  },
  {
    id: 'durable.saturation.vs-raw-each',
    section: 'durable',
    label:
      'durable end to end vs raw XADD + XREADGROUP + XACK per entry, 1,000 in flight',
    project: eps('durable.saturation.bus'),
    baseline: eps('durable.saturation.raw-each'),
  },
  {
    id: 'durable.awaited.vs-emit',
    section: 'durable',
    label:
      'one durable publish awaited at a time vs stock emit awaited (events/s)',
    project: eps('durable.awaited.bus'),
    baseline: eps('durable.awaited.emit'),
    target: atLeast(0.8),
  },
  {
    id: 'durable.awaited.vs-raw-batched',
    section: 'durable',
    label:
      'one durable publish awaited at a time vs raw XADD awaited (batched XACK)',
    project: eps('durable.awaited.bus'),
    baseline: eps('durable.awaited.raw-batched'),
  },
  {
    id: 'durable.steady.p99.vs-emit',
    section: 'durable',
    label: "durable p99 at 5,000 events/s vs stock Nest's broadcast p99 (ms)",
    project: p99('durable.steady.bus'),
    baseline: p99('durable.steady.emit'),
    target: atMost(2, "<= 2x stock Nest's broadcast p99"),
  },
  {
    id: 'durable.steady.p99.vs-raw-batched',
    section: 'durable',
    label: 'durable p99 at 5,000 events/s vs the raw batched streams loop (ms)',
    project: p99('durable.steady.bus'),
    baseline: p99('durable.steady.raw-batched'),
  },
  ...[2, 4].map((n): RowSpec => ({
    id: `durable.instances-${n}.vs-raw-batched`,
    section: 'durable',
    label: `${n} consumer instances vs ${n} raw batched loops, 1,000 in flight (events/s)`,
    project: eps(`durable.instances-${n}.bus`),
    baseline: eps(`durable.instances-${n}.raw-batched`),
    target: atLeast(0.5),
  })),
  ...(
    [
      ['payload-1k', '1 KB'],
      ['payload-16k', '16 KB'],
    ] as const
  ).map(([name, size]): RowSpec => ({
    id: `durable.${name}.vs-raw-batched`,
    section: 'durable',
    label: `${size} payloads vs the raw batched streams loop, 1,000 in flight (events/s)`,
    project: eps(`durable.${name}.bus`),
    baseline: eps(`durable.${name}.raw-batched`),
    target: atLeast(0.5),
  })),
  {
    id: 'durable.cpu.publisher',
    section: 'cpu',
    label:
      'publisher CPU per event, EventBus.publish (durable run) vs stock emit (µs)',
    project: {
      variant: 'durable.saturation.bus',
      metric: 'publisherCpuUsPerEvent',
    },
    baseline: {
      variant: 'durable.saturation.emit',
      metric: 'publisherCpuUsPerEvent',
    },
    target: atMost(1, '<= 1.0x stock emit'),
  },
  {
    id: 'durable.cpu.consumer',
    section: 'cpu',
    label:
      'consumer CPU per event, ServerRedisStreams vs the raw batched loop with its handler (µs)',
    project: {
      variant: 'durable.saturation.bus',
      metric: 'consumerCpuUsPerEvent',
    },
    baseline: {
      variant: 'durable.saturation.raw-batched',
      metric: 'consumerCpuUsPerEvent',
    },
    target: atMost(1, '<= 1.0x the raw streams loop plus the handler'),
  },
  {
    id: 'durable.cpu.redis',
    section: 'cpu',
    label:
      'Redis CPU per event, the durable bus vs the raw batched streams loop (µs)',
    project: cpu('durable.saturation.bus', 'redis'),
    baseline: cpu('durable.saturation.raw-batched', 'redis'),
  },
  // Issue 10: what signatures cost, each figure beside the same path with
  // them off (a bench-only pass-through), measured alternated in one phase.
  {
    id: 'durable.signatures.vs-unsigned',
    section: 'signatures',
    label:
      'durable end to end, signatures on vs off, 1,000 in flight (events/s)',
    project: eps('durable.signatures.signed'),
    baseline: eps('durable.signatures.unsigned'),
    target: atLeast(0.75, 'ratio >= 0.75 (within 25% of signatures off)'),
  },
  {
    id: 'durable.signatures.cpu.publisher',
    section: 'signatures',
    label:
      'publisher CPU per event, signing vs not (durable run, 1,000 in flight, µs)',
    project: cpu('durable.signatures.signed', 'publisher'),
    baseline: cpu('durable.signatures.unsigned', 'publisher'),
  },
  {
    id: 'durable.signatures.cpu.consumer',
    section: 'signatures',
    label:
      'ServerRedisStreams consumer CPU per event, verifying vs not (1,000 in flight, µs)',
    project: cpu('durable.signatures.signed', 'consumer'),
    baseline: cpu('durable.signatures.unsigned', 'consumer'),
  },
  {
    id: 'broadcast.signatures.vs-unsigned',
    section: 'signatures',
    label:
      'EventBus.publish -> stock subscriber, signatures on vs off, 1,000 in flight (events/s)',
    project: eps('broadcast.signatures.signed'),
    baseline: eps('broadcast.signatures.unsigned'),
  },
  {
    id: 'broadcast.signatures.cpu.publisher',
    section: 'signatures',
    label:
      'publisher CPU per event, signing vs not (broadcast run, 1,000 in flight, µs)',
    project: cpu('broadcast.signatures.signed', 'publisher'),
    baseline: cpu('broadcast.signatures.unsigned', 'publisher'),
  },
  ...(['pglite', 'postgres'] as const).map((database): RowSpec => ({
    id: `outbox.${database}`,
    section: 'outbox',
    label: `outbox on ${database === 'pglite' ? 'PGlite' : 'PostgreSQL'} vs INSERT + XADD (events/s on the stream)`,
    project: eps(`outbox.${database}.bus`),
    baseline: eps(`outbox.${database}.raw`),
    target: atLeast(0.5),
  })),
  ...[1, 10, 50].map((concurrency): RowSpec => ({
    id: `jobs.concurrency-${concurrency}`,
    section: 'jobs',
    label: `LoggedWorkerHost vs raw BullMQ Worker, concurrency ${concurrency} (jobs/s)`,
    project: eps(`jobs.concurrency-${concurrency}.nest`),
    baseline: eps(`jobs.concurrency-${concurrency}.raw`),
    target: atLeast(0.9, 'within 10% of raw BullMQ (ratio >= 0.9)'),
  })),
  {
    id: 'jobs.steady.p99',
    section: 'jobs',
    label:
      'add-to-completed p99 at 200 jobs/s, LoggedWorkerHost vs raw Worker (ms)',
    project: p99('jobs.steady.nest'),
    baseline: p99('jobs.steady.raw'),
  },
];

/** Resident-memory limits of issue 8, point 4 (MiB); `load` on PGlite has none. */
export const MEMORY_LIMITS = {
  postgres: { idle: 150, load: 200, idleAfter: 150 },
  pglite: { idle: 250, load: undefined, idleAfter: 250 },
} as const;

const STATES = {
  idle: 'idle',
  load: 'under load',
  idleAfter: 'idle after the load',
} as const;

export function buildRows(
  variants: VariantResult[],
  systems: SystemResult[],
): Row[] {
  const byId = new Map(variants.map((variant) => [variant.id, variant]));
  const figure = (ref: Ref): Figure => {
    const variant = byId.get(ref.variant);
    const summary = variant?.summary[ref.metric];
    if (!variant || !summary) {
      throw new Error(`bench: no ${ref.metric} for ${ref.variant}`);
    }
    return {
      label: variant.label,
      variant: ref.variant,
      metric: ref.metric,
      ...summary,
    };
  };
  const measured = (ref: Ref) => byId.get(ref.variant)?.summary[ref.metric];
  // A partial run (--only) reports the rows it has measured.
  const complete = SPECS.filter(
    (spec) => measured(spec.project) && measured(spec.baseline),
  );
  const rows = complete.map((spec): Row => {
    const project = figure(spec.project);
    const baseline = figure(spec.baseline);
    const ratio = Math.round((project.median / baseline.median) * 100) / 100;
    return {
      id: spec.id,
      section: spec.section,
      label: spec.label,
      project,
      baseline,
      ratio,
      target: spec.target?.text ?? 'reported (no target)',
      met: spec.target
        ? spec.target.met(ratio, (ref) => figure(ref).median)
        : null,
    };
  });
  for (const system of systems) {
    for (const [service, rss] of Object.entries(system.rssMiB)) {
      for (const state of Object.keys(STATES) as Array<keyof typeof STATES>) {
        const limit = MEMORY_LIMITS[system.database][state];
        const value = rss[state];
        const single = (label: string, median: number): Figure => ({
          label,
          metric: 'rssMiB',
          median,
          min: median,
          max: median,
        });
        const baseline =
          limit !== undefined
            ? single(`limit ${limit} MiB`, limit)
            : single('the same service idle', rss.idle);
        rows.push({
          id: `memory.${system.database}.${service}.${state}`,
          section: 'memory',
          label: `${service} resident memory ${STATES[state]}, ${system.database === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'} (MiB)`,
          project: single(service, value),
          baseline,
          ratio: Math.round((value / baseline.median) * 100) / 100,
          target:
            limit !== undefined ? `<= ${limit} MiB` : 'reported (no target)',
          met: limit !== undefined ? value <= limit : null,
        });
      }
    }
  }
  return rows;
}

/** Every row id a complete result file has (the e2e test checks them). */
export function expectedRowIds(services: string[]): string[] {
  return [
    ...SPECS.map((spec) => spec.id),
    ...(['pglite', 'postgres'] as const).flatMap((database) =>
      services.flatMap((service) =>
        Object.keys(STATES).map(
          (state) => `memory.${database}.${service}.${state}`,
        ),
      ),
    ),
  ];
}
