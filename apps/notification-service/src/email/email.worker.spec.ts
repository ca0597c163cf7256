import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { currentCorrelation } from '@app/event-bus';
import { UnrecoverableError, type Job } from 'bullmq';
import type { NotificationRow } from '../database/schema.js';
import type {
  NotificationRecord,
  NotificationsRepository,
} from '../notifications/notifications.repository.js';
import { EmailWorker } from './email.worker.js';
import type { MailTransport, OutgoingEmail } from './mail-transport.js';

const TOKEN = 'secret-verification-token';

const jobData = (overrides: Record<string, unknown> = {}) => ({
  to: 'ada@example.com',
  template: 'verify-email',
  variables: { name: 'Ada', token: TOKEN },
  eventId: 'evt-1',
  correlationId: 'corr-1',
  ...overrides,
});

function fakeJob(
  data: unknown,
  { attemptsMade = 0, attempts = 5 } = {},
): Job<unknown> {
  return {
    id: 'job-1',
    data,
    attemptsMade,
    opts: { attempts },
  } as unknown as Job<unknown>;
}

/** In-memory stand-ins for the table and the SMTP transport. */
function createWorker({ smtp = false } = {}) {
  const rows: NotificationRow[] = [];
  const failures: NotificationRecord[] = [];
  const repository = {
    findDelivered: jest.fn((eventId: string, template: string) =>
      Promise.resolve(
        rows.find((r) => r.eventId === eventId && r.template === template),
      ),
    ),
    saveDelivered: jest.fn((record: NotificationRecord) => {
      const row: NotificationRow = {
        id: `n-${rows.length + 1}`,
        createdAt: new Date(),
        correlationId: null,
        error: null,
        ...record,
      };
      rows.push(row);
      return Promise.resolve(row);
    }),
    saveFailed: jest.fn((record: NotificationRecord) => {
      failures.push(record);
      return Promise.resolve();
    }),
  };
  const sent: { email: OutgoingEmail; correlationId?: string }[] = [];
  const mail = {
    enabled: smtp,
    send: jest.fn((email: OutgoingEmail) => {
      sent.push({ email, correlationId: currentCorrelation()?.correlationId });
      return Promise.resolve();
    }),
  };
  const worker = new EmailWorker(
    repository as unknown as NotificationsRepository,
    mail as unknown as MailTransport,
  );
  return { worker, rows, failures, sent, mail, repository };
}

describe('EmailWorker', () => {
  let logs: string[];

  beforeEach(() => {
    logs = [];
    for (const level of ['log', 'warn', 'error', 'debug'] as const) {
      jest
        .spyOn(Logger.prototype, level)
        .mockImplementation(
          (message: unknown) => void logs.push(String(message)),
        );
    }
  });

  afterEach(() => jest.restoreAllMocks());

  it('records the rendered e-mail when SMTP is not configured', async () => {
    const { worker, rows, mail } = createWorker();

    const result = await worker.process(fakeJob(jobData()));

    expect(result).toEqual({ status: 'recorded', notificationId: 'n-1' });
    expect(mail.send).not.toHaveBeenCalled();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      to: 'ada@example.com',
      template: 'verify-email',
      subject: 'Verify your e-mail address',
      status: 'recorded',
      eventId: 'evt-1',
      correlationId: 'corr-1',
    });
    expect(rows[0].body).toContain(TOKEN);
  });

  it('sends over SMTP when configured, inside the job correlation', async () => {
    const { worker, rows, sent } = createWorker({ smtp: true });

    const result = await worker.process(fakeJob(jobData()));

    expect(result.status).toBe('sent');
    expect(sent).toHaveLength(1);
    expect(sent[0].email).toMatchObject({
      to: 'ada@example.com',
      subject: 'Verify your e-mail address',
    });
    expect(sent[0].email.text).toContain(TOKEN);
    expect(sent[0].correlationId).toBe('corr-1');
    expect(rows[0].status).toBe('sent');
  });

  it('uses the job id as correlation when the job carries none', async () => {
    const { worker, rows, sent } = createWorker({ smtp: true });

    await worker.process(fakeJob(jobData({ correlationId: undefined })));

    expect(sent[0].correlationId).toBe('job-1');
    expect(rows[0].correlationId).toBe('job-1');
  });

  it('logs the delivery without the token', async () => {
    const { worker } = createWorker();

    await worker.process(fakeJob(jobData()));

    expect(logs).toContain(
      'E-mail verify-email to ada@example.com recorded (job job-1, correlation corr-1)',
    );
    expect(logs.join('\n')).not.toContain(TOKEN);
  });

  it('does nothing twice for a job run again', async () => {
    const { worker, rows, mail } = createWorker({ smtp: true });
    await worker.process(fakeJob(jobData()));

    const again = await worker.process(fakeJob(jobData()));

    expect(again).toEqual({
      status: 'sent',
      notificationId: 'n-1',
      duplicate: true,
    });
    expect(mail.send).toHaveBeenCalledTimes(1);
    expect(rows).toHaveLength(1);
  });

  it('fails invalid job data at once, naming the field, storing nothing', async () => {
    const { worker, repository } = createWorker();

    const run = worker.process(fakeJob(jobData({ to: 'not-an-e-mail' })));

    await expect(run).rejects.toThrow(UnrecoverableError);
    await expect(run).rejects.toThrow(/to must be an email/);
    expect(repository.saveDelivered).not.toHaveBeenCalled();
    expect(repository.saveFailed).not.toHaveBeenCalled();
  });

  it('fails a template that cannot be rendered at once', async () => {
    const { worker, repository } = createWorker();

    const run = worker.process(
      fakeJob(jobData({ variables: { name: 'Ada' } })),
    );

    await expect(run).rejects.toThrow(UnrecoverableError);
    await expect(run).rejects.toThrow(/needs the variables: token/);
    expect(repository.saveDelivered).not.toHaveBeenCalled();
  });

  it('throws a send error so BullMQ retries, recording nothing yet', async () => {
    const { worker, mail, rows, failures } = createWorker({ smtp: true });
    mail.send.mockRejectedValueOnce(new Error('connection refused'));

    await expect(worker.process(fakeJob(jobData()))).rejects.toThrow(
      'Sending the e-mail failed: connection refused',
    );
    expect(rows).toHaveLength(0);
    expect(failures).toHaveLength(0);
  });

  it('records the failure with its reason after the last attempt', async () => {
    const { worker, mail, failures } = createWorker({ smtp: true });
    mail.send.mockRejectedValueOnce(new Error('connection refused'));

    await expect(
      worker.process(fakeJob(jobData(), { attemptsMade: 4, attempts: 5 })),
    ).rejects.toThrow('connection refused');

    expect(failures).toEqual([
      expect.objectContaining({
        status: 'failed',
        eventId: 'evt-1',
        template: 'verify-email',
        error: 'Sending the e-mail failed: connection refused',
      }),
    ]);
  });
});
