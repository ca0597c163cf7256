import type { Job } from 'bullmq';

/**
 * The correlation id a job carries in `data.correlationId` (queued by an
 * event or request); a job queued without one gets its own id.
 */
export function jobCorrelationId(job: Job<unknown>): string {
  const carried = carriedString(job, 'correlationId');
  return carried ?? job.id ?? 'unknown';
}

/**
 * What a worker runs a job in (`runWithCorrelation`): its correlation id
 * and, when the job carries `data.causationId` (the id of the event that
 * queued it), that event as the cause of whatever the job publishes.
 */
export function jobCorrelation(job: Job<unknown>): {
  correlationId: string;
  causationId?: string;
} {
  const causationId = carriedString(job, 'causationId');
  return {
    correlationId: jobCorrelationId(job),
    ...(causationId && { causationId }),
  };
}

function carriedString(job: Job<unknown>, field: string): string | undefined {
  const data = job.data as Record<string, unknown> | null | undefined;
  const value = data?.[field];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
