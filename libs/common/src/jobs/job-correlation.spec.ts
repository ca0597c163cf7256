import type { Job } from 'bullmq';
import { jobCorrelation, jobCorrelationId } from './job-correlation.js';

const job = (data: unknown, id = 'invoice-1') =>
  ({ id, data }) as unknown as Job<unknown>;

describe('jobCorrelationId', () => {
  it('is the correlation id the job carries', () => {
    expect(jobCorrelationId(job({ correlationId: 'corr-1' }))).toBe('corr-1');
  });

  it.each([{}, { correlationId: '' }, { correlationId: 7 }, null])(
    'falls back to the job id for %p',
    (data) => {
      expect(jobCorrelationId(job(data))).toBe('invoice-1');
    },
  );
});

describe('jobCorrelation', () => {
  it('carries the event that queued the job as the cause', () => {
    expect(
      jobCorrelation(job({ correlationId: 'corr-1', causationId: 'event-1' })),
    ).toEqual({ correlationId: 'corr-1', causationId: 'event-1' });
  });

  it('has no cause when the job names none', () => {
    expect(jobCorrelation(job({ correlationId: 'corr-1' }))).toEqual({
      correlationId: 'corr-1',
    });
  });
});
