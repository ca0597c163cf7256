import { BullModule } from '@nestjs/bullmq';
import { QUEUES, type EmailTemplate } from '@app/contracts';
import type { DefaultJobOptions } from 'bullmq';

export const EMAIL_QUEUE = QUEUES.emailNotifications;

/** E-mails sent at once by one instance; SMTP servers throttle beyond that. */
export const EMAIL_WORKER_CONCURRENCY = 5;

/**
 * ARCHITECTURE.md section 3: retries with exponential backoff (1 s, 2 s, 4 s,
 * 8 s), completed jobs kept a day and failed ones a week, so a failure stays
 * visible with its reason.
 */
export const EMAIL_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 60 * 60 },
  removeOnFail: { age: 7 * 24 * 60 * 60 },
} as const satisfies DefaultJobOptions;

/**
 * The `email-notifications` queue. One module object, imported wherever the
 * queue is injected (the e-mail feature and the health check), so the app
 * holds a single queue and a single Redis connection for it.
 */
export const EmailQueueModule = BullModule.registerQueue({
  name: EMAIL_QUEUE,
  defaultJobOptions: EMAIL_JOB_OPTIONS,
});

/**
 * Job id of the e-mail an event causes: a redelivered event finds its job
 * already there and queues nothing. BullMQ refuses `:` in custom ids.
 */
export function emailJobId(eventId: string, template: EmailTemplate): string {
  return `email-${eventId.replaceAll(':', '-')}-${template}`;
}

/**
 * Authenticated context of a sealed e-mail variable (the verification
 * token): the job data holds it encrypted, the worker opens it to render.
 */
export const sealedVariableContext = (name: string): string =>
  `job:email-notifications:${name}`;
