import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import type { BeforeApplicationShutdown, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';

/**
 * A BullMQ `WorkerHost` with what every worker of the system needs: each
 * failed attempt logged with its reason (the last one leaves the job failed
 * and visible), worker errors logged once per message (a Redis outage
 * repeats the same error on every reconnect), and the jobs in flight
 * finished before the `onApplicationShutdown` hooks close the database or
 * transports they use (BullModule closes the worker again later, a no-op).
 */
export abstract class LoggedWorkerHost
  extends WorkerHost
  implements BeforeApplicationShutdown
{
  protected abstract readonly logger: Logger;
  /** How the logs name a job of this worker, e.g. `Invoice job`. */
  protected abstract readonly jobLabel: string;
  private lastWorkerError?: string;

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    if (!job) return;
    this.logger.warn(
      `${this.jobLabel} ${job.id} failed (attempt ${job.attemptsMade}/${job.opts.attempts ?? 1}): ${error.message}`,
    );
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    if (error.message === this.lastWorkerError) return;
    this.lastWorkerError = error.message;
    this.logger.warn(`Worker of ${this.worker.name}: ${error.message}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }
}
