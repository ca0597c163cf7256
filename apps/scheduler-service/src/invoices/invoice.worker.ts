import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { runWithCorrelation } from '@app/event-bus';
import type { Job } from 'bullmq';
import {
  INVOICE_QUEUE,
  INVOICE_WORKER_CONCURRENCY,
} from './invoice.constants.js';
import {
  InvoiceGenerator,
  type InvoiceJobResult,
} from './invoice-generator.js';
import { parseInvoiceJob } from './invoice-job.validation.js';
import { INVOICES_MESSAGES } from './invoices.messages.js';

/**
 * The `invoice-generation` worker: validates the job (invalid data fails at
 * once, with the failing fields as the reason) and runs `InvoiceGenerator`
 * in the job's correlation. Other failures are retried with backoff; after
 * the last attempt the job stays failed with its reason.
 */
@Processor(INVOICE_QUEUE, { concurrency: INVOICE_WORKER_CONCURRENCY })
export class InvoiceWorker
  extends WorkerHost
  implements BeforeApplicationShutdown
{
  private readonly logger = new Logger(InvoiceWorker.name);
  private lastWorkerError?: string;

  constructor(private readonly generator: InvoiceGenerator) {
    super();
  }

  process(job: Job<unknown>): Promise<InvoiceJobResult> {
    return runWithCorrelation({ correlationId: correlationOf(job) }, () =>
      this.generator.generate(parseInvoiceJob(job.data), job.id),
    );
  }

  /** Every failed attempt, with its reason; the last one leaves the job failed. */
  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    if (!job) return;
    this.logger.warn(
      INVOICES_MESSAGES.attemptFailed(
        job.id,
        job.attemptsMade,
        job.opts.attempts ?? 1,
        error.message,
      ),
    );
  }

  /** Redis outages repeat the same error on every reconnect: say it once. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    if (error.message === this.lastWorkerError) return;
    this.lastWorkerError = error.message;
    this.logger.warn(`Worker of ${INVOICE_QUEUE}: ${error.message}`);
  }

  /**
   * Lets in-flight invoices finish before `onApplicationShutdown` closes the
   * database they need. BullModule closes the worker again later (a no-op).
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }
}

/** The job's correlation id; a job queued without one gets its own id. */
function correlationOf(job: Job<unknown>): string {
  const data = job.data as { correlationId?: unknown } | null | undefined;
  const carried = data?.correlationId;
  return typeof carried === 'string' && carried.length > 0
    ? carried
    : (job.id ?? 'unknown');
}
