import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { invoiceJobId, type InvoiceGenerationJob } from '@app/contracts';
import type { Job, Queue } from 'bullmq';
import { INVOICE_QUEUE } from './invoice.constants.js';

/**
 * Queues `invoice-generation` jobs under the id `invoice-<shiftId>`: while
 * the job is kept, adding it again returns the existing job, so a shift
 * never gets two invoice jobs.
 */
@Injectable()
export class InvoiceQueueProducer implements OnModuleInit {
  private readonly logger = new Logger(InvoiceQueueProducer.name);
  private lastError?: string;

  constructor(
    @InjectQueue(INVOICE_QUEUE)
    private readonly queue: Queue<InvoiceGenerationJob>,
  ) {}

  onModuleInit(): void {
    // An 'error' without a listener would crash the process; Redis outages
    // repeat the same error on every reconnect, so say it once.
    this.queue.on('error', (error: Error) => {
      if (error.message === this.lastError) return;
      this.lastError = error.message;
      this.logger.warn(`Queue ${INVOICE_QUEUE}: ${error.message}`);
    });
  }

  async enqueue(job: InvoiceGenerationJob): Promise<Job<InvoiceGenerationJob>> {
    const jobId = invoiceJobId(job.shiftId);
    const queued = await this.queue.add('invoice', job, { jobId });
    this.logger.debug(`Queued invoice of shift ${job.shiftId} as job ${jobId}`);
    return queued;
  }
}
