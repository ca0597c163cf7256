import { Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { jobCorrelation, LoggedWorkerHost } from '@app/common';
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
 * in the job's correlation, with the `shift.completed` that queued it as the
 * cause of `invoice.generated`. Other failures are retried with backoff; after
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
    return runWithCorrelation(jobCorrelation(job), () =>
      this.generator.generate(parseInvoiceJob(job.data), job.id),
    );
  }
}
