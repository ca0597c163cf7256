import type { Job } from 'bullmq';
import { jobCorrelationId } from './job-correlation.js';

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
