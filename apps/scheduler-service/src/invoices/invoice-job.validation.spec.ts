import { UnrecoverableError } from 'bullmq';
import { parseInvoiceJob } from './invoice-job.validation.js';

const valid = {
  shiftId: '0b5e8f4e-8c1a-4a53-9d1c-3f0c2f2f6f11',
  clientEmail: 'client@example.com',
  organizationId: 'default',
  correlationId: 'corr-1',
};

describe('parseInvoiceJob', () => {
  it('returns valid job data', () => {
    expect(parseInvoiceJob(valid)).toMatchObject(valid);
  });

  it('names every failing field in an UnrecoverableError', () => {
    const parse = () =>
      parseInvoiceJob({ ...valid, shiftId: 'nope', clientEmail: 'x' });

    expect(parse).toThrow(UnrecoverableError);
    expect(parse).toThrow(/shiftId must be a UUID/);
    expect(parse).toThrow(/clientEmail must be an email/);
  });

  it.each([null, 'text', 42, []])('refuses %p as job data', (data) => {
    expect(() => parseInvoiceJob(data)).toThrow(
      'Invalid invoice-generation job data: the job data must be an object',
    );
  });
});
