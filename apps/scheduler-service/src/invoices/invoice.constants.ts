import { BullModule } from '@nestjs/bullmq';
import { QUEUES } from '@app/contracts';
import type { DefaultJobOptions } from 'bullmq';

export const INVOICE_QUEUE = QUEUES.invoiceGeneration;

/** Invoices computed at once by one instance. */
export const INVOICE_WORKER_CONCURRENCY = 5;

/**
 * ARCHITECTURE.md section 3: retries with exponential backoff (1 s, 2 s, 4 s,
 * 8 s), completed jobs kept a day and failed ones a week, so a failure stays
 * visible with its reason. While a job is kept, its id (`invoice-<shiftId>`)
 * makes a second `add` for the same shift a no-op.
 */
export const INVOICE_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 60 * 60 },
  removeOnFail: { age: 7 * 24 * 60 * 60 },
} as const satisfies DefaultJobOptions;

/**
 * The `invoice-generation` queue. One module object, imported wherever the
 * queue is injected (producer, worker, health check), so the app holds a
 * single queue and a single Redis connection for it.
 */
export const InvoiceQueueModule = BullModule.registerQueue({
  name: INVOICE_QUEUE,
  defaultJobOptions: INVOICE_JOB_OPTIONS,
});
