import type { Job } from 'bullmq';

/**
 * The correlation id a job carries in `data.correlationId` (queued by an
 * event or request); a job queued without one gets its own id.
 */
export function jobCorrelationId(job: Job<unknown>): string {
  const data = job.data as { correlationId?: unknown } | null | undefined;
  const carried = data?.correlationId;
  return typeof carried === 'string' && carried.length > 0
    ? carried
    : (job.id ?? 'unknown');
}
