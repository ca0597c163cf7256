import { Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { LoggedWorkerHost } from '@app/common';
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

/**
 * The `invoice-generation` worker: validates the job (invalid data fails at
 * once, with the failing fields as the reason) and runs `InvoiceGenerator`
 * in the job's correlation. Other failures are retried with backoff; after
 * the last attempt the job stays failed with its reason.
 */
@Processor(INVOICE_QUEUE, { concurrency: INVOICE_WORKER_CONCURRENCY })
export class InvoiceWorker extends LoggedWorkerHost {
  protected readonly logger = new Logger(InvoiceWorker.name);
  protected readonly jobLabel = 'Invoice job';

  constructor(private readonly generator: InvoiceGenerator) {
    super();
  }

  process(job: Job<unknown>): Promise<InvoiceJobResult> {
    return runWithCorrelation({ correlationId: correlationOf(job) }, () =>
      this.generator.generate(parseInvoiceJob(job.data), job.id),
    );
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
