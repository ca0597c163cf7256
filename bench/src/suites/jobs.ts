import type { Group, Phase, ProcessSpec, Variant } from '../runner.js';

export const JOB_CONCURRENCIES = [1, 10, 50] as const;
export const JOB_RATE_PER_SECOND = 200;
const LATENCY_CONCURRENCY = 10;

/**
 * A no-op processor behind `LoggedWorkerHost` (@nestjs/bullmq) against a
 * raw BullMQ `Worker`: throughput at each concurrency with 1,000 adds in
 * flight, and add-to-completed latency at a steady 200 jobs/s.
 */
export function jobGroup(
  redisUrl: string,
  sizes: { jobs: number; latencyJobs: number },
): Group {
  const worker = (
    variant: 'nest' | 'raw',
    concurrency: number,
  ): ProcessSpec => ({
    role: 'jobs-worker',
    options: {
      redisUrl,
      variant,
      concurrency,
      queue: `bench-${variant}-${concurrency}`,
    },
  });
  const variants = (
    name: string,
    concurrency: number,
    mode: Variant['mode'],
    count: number,
    latency: boolean,
  ): Variant[] =>
    (['nest', 'raw'] as const).map((variant) => ({
      id: `jobs.${name}.${variant}`,
      label:
        variant === 'nest'
          ? `LoggedWorkerHost (@Processor), concurrency ${concurrency}`
          : `raw BullMQ Worker, concurrency ${concurrency}`,
      publisher: 'producer',
      consumers: [`${variant}-${concurrency}`],
      mode,
      count,
      latency,
      payloadBytes: 400,
      request: { queue: `bench-${variant}-${concurrency}` },
    }));
  const phase = (
    name: string,
    concurrency: number,
    mode: Variant['mode'],
    count: number,
    latency = false,
  ): Phase => ({
    id: `jobs.${name}`,
    variants: variants(name, concurrency, mode, count, latency),
  });
  const concurrencies = [...JOB_CONCURRENCIES, LATENCY_CONCURRENCY];
  return {
    id: 'jobs',
    processes: {
      producer: { role: 'jobs-producer', options: { redisUrl } },
      ...Object.fromEntries(
        concurrencies.flatMap((concurrency) =>
          (['nest', 'raw'] as const).map((variant) => [
            `${variant}-${concurrency}`,
            worker(variant, concurrency),
          ]),
        ),
      ),
    },
    phases: [
      ...JOB_CONCURRENCIES.map((concurrency) =>
        phase(
          `concurrency-${concurrency}`,
          concurrency,
          { kind: 'saturate', inFlight: 1_000 },
          sizes.jobs,
        ),
      ),
      phase(
        'steady',
        LATENCY_CONCURRENCY,
        { kind: 'rate', perSecond: JOB_RATE_PER_SECOND },
        sizes.latencyJobs,
        true,
      ),
    ],
  };
}
