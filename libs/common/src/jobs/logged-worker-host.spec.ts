import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { Job, Worker } from 'bullmq';
import { LoggedWorkerHost } from './logged-worker-host.js';

class TestWorker extends LoggedWorkerHost {
  readonly logger = new Logger('TestWorker');
  protected readonly jobLabel = 'Test job';

  process(): Promise<void> {
    return Promise.resolve();
  }
}

function setup() {
  const host = new TestWorker();
  const warn = jest
    .spyOn(host.logger, 'warn')
    .mockImplementation(() => undefined);
  const worker = {
    name: 'test-queue',
    close: jest.fn(() => Promise.resolve()),
  };
  // What BullModule does when it registers the worker.
  (host as unknown as { _worker: Partial<Worker> })._worker = worker;
  return { host, warn, worker };
}

const job = (attemptsMade: number) =>
  ({ id: 'job-1', attemptsMade, opts: { attempts: 5 } }) as unknown as Job;

describe('LoggedWorkerHost', () => {
  it('logs each failed attempt with its number and reason', () => {
    const { host, warn } = setup();

    host.onFailed(job(2), new Error('SMTP refused'));

    expect(warn).toHaveBeenCalledWith(
      'Test job job-1 failed (attempt 2/5): SMTP refused',
    );
  });

  it('says a repeated worker error once, and a new one again', () => {
    const { host, warn } = setup();

    host.onError(new Error('connect ECONNREFUSED'));
    host.onError(new Error('connect ECONNREFUSED'));
    host.onError(new Error('READONLY'));

    expect(warn.mock.calls).toEqual([
      ['Worker of test-queue: connect ECONNREFUSED'],
      ['Worker of test-queue: READONLY'],
    ]);
  });

  it('closes the worker (finishing its jobs) before the shutdown hooks', async () => {
    const { host, worker } = setup();

    await host.beforeApplicationShutdown();

    expect(worker.close).toHaveBeenCalled();
  });
});
