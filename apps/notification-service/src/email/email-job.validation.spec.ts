import { UnrecoverableError } from 'bullmq';
import { parseEmailJob } from './email-job.validation.js';

const valid = {
  to: 'ada@example.com',
  template: 'verify-email',
  variables: { name: 'Ada', token: 't' },
  eventId: 'evt-1',
  correlationId: 'corr-1',
};

describe('parseEmailJob', () => {
  it('returns valid job data', () => {
    expect(parseEmailJob(valid)).toMatchObject(valid);
  });

  it('names every failing field in an UnrecoverableError', () => {
    const parse = () =>
      parseEmailJob({ ...valid, to: 'nope', template: 'other' });

    expect(parse).toThrow(UnrecoverableError);
    expect(parse).toThrow(/to must be an email/);
    expect(parse).toThrow(/template must be one of the following values/);
  });

  it.each([null, 'text', 42, []])('refuses %p as job data', (data) => {
    expect(() => parseEmailJob(data)).toThrow(
      'Invalid email-notifications job data: the job data must be an object',
    );
  });
});
