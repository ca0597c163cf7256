import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EmailNotificationJob } from '@app/contracts';
import type { Job, Queue } from 'bullmq';
import { EMAIL_QUEUE, emailJobId } from './email.constants.js';

/**
 * Queues `email-notifications` jobs. The job id is derived from the causing
 * event and the template, so the same event queued twice is one e-mail.
 */
@Injectable()
export class EmailNotificationsProducer implements OnModuleInit {
  private readonly logger = new Logger(EmailNotificationsProducer.name);
  private lastError?: string;

  constructor(
    @InjectQueue(EMAIL_QUEUE)
    private readonly queue: Queue<EmailNotificationJob>,
  ) {}

  onModuleInit(): void {
    // An 'error' without a listener would crash the process; Redis outages
    // repeat the same error on every reconnect, so say it once.
    this.queue.on('error', (error: Error) => {
      if (error.message === this.lastError) return;
      this.lastError = error.message;
      this.logger.warn(`Queue ${EMAIL_QUEUE}: ${error.message}`);
    });
  }

  /** Queues one e-mail; resolves with the new job or the one already queued. */
  async enqueue(job: EmailNotificationJob): Promise<Job<EmailNotificationJob>> {
    const jobId = emailJobId(job.eventId, job.template);
    const queued = await this.queue.add(job.template, job, { jobId });
    this.logger.debug(`Queued e-mail ${job.template} as job ${jobId}`);
    return queued;
  }
}
