import { Processor } from '@nestjs/bullmq';
import { Logger, Optional } from '@nestjs/common';
import { jobCorrelation, LoggedWorkerHost } from '@app/common';
import type { EmailNotificationJob } from '@app/contracts';
import { EventTrust, isSealed, runWithCorrelation } from '@app/event-bus';
import { UnrecoverableError, type Job } from 'bullmq';
import type { NotificationStatus } from '../database/schema.js';
import { NotificationsRepository } from '../notifications/notifications.repository.js';
import {
  EMAIL_QUEUE,
  EMAIL_WORKER_CONCURRENCY,
  sealedVariableContext,
} from './email.constants.js';
import { parseEmailJob } from './email-job.validation.js';
import { EMAIL_MESSAGES } from './email.messages.js';
import {
  EmailTemplateError,
  renderEmail,
  type RenderedEmail,
} from './email-templates.js';
import { MailTransport } from './mail-transport.js';

/** What a completed job returns (kept by BullMQ as its return value). */
export interface EmailJobResult {
  status: NotificationStatus;
  notificationId?: string;
  /** The e-mail had been sent or recorded before; nothing was done twice. */
  duplicate?: boolean;
}

/**
 * The `email-notifications` worker: validates the job, renders the template,
 * sends the e-mail over SMTP (or only records it without `SMTP_URL`) and
 * stores it once per (event, template). A send error fails the attempt, so
 * BullMQ retries with backoff; after the last attempt the job stays failed
 * with its reason and a `failed` row says so.
 */
@Processor(EMAIL_QUEUE, { concurrency: EMAIL_WORKER_CONCURRENCY })
export class EmailWorker extends LoggedWorkerHost {
  protected readonly logger = new Logger(EmailWorker.name);
  protected readonly jobLabel = 'E-mail job';

  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly mail: MailTransport,
    @Optional() private readonly trust?: EventTrust,
  ) {
    super();
  }

  process(job: Job<unknown>): Promise<EmailJobResult> {
    const correlation = jobCorrelation(job);
    return runWithCorrelation(correlation, () =>
      this.deliver(job, correlation.correlationId),
    );
  }

  /** The variables with the sealed ones (the token) decrypted, for rendering only. */
  private opened(
    variables: EmailNotificationJob['variables'],
  ): EmailNotificationJob['variables'] {
    const opened = { ...variables };
    for (const [name, value] of Object.entries(variables)) {
      if (!isSealed(value)) continue;
      try {
        if (!this.trust) throw new Error('no keys');
        opened[name] = this.trust.cipher.open(
          value,
          sealedVariableContext(name),
        ) as string;
      } catch (error) {
        openFailed(name, error);
      }
    }
    return opened;
  }

  private async deliver(
    job: Job<unknown>,
    correlationId: string,
  ): Promise<EmailJobResult> {
    const data = parseEmailJob(job.data);
    const email = render({ ...data, variables: this.opened(data.variables) });

    // A job run again after its e-mail was stored (a stalled job, a manual
    // retry) must not send it twice.
    const existing = await this.notifications.findDelivered(
      data.eventId,
      data.template,
    );
    if (existing) {
      this.logger.log(
        EMAIL_MESSAGES.duplicate(
          data.template,
          data.to,
          existing.status,
          job.id,
        ),
      );
      return {
        status: existing.status,
        notificationId: existing.id,
        duplicate: true,
      };
    }

    const record = {
      to: data.to,
      template: data.template,
      subject: email.subject,
      body: email.body,
      eventId: data.eventId,
      correlationId,
    };
    let status: NotificationStatus = 'recorded';
    if (this.mail.enabled) {
      try {
        await this.mail.send({
          to: data.to,
          subject: email.subject,
          text: email.body,
        });
        status = 'sent';
      } catch (error) {
        const reason = EMAIL_MESSAGES.sendFailed(errorMessage(error));
        if (isLastAttempt(job)) {
          await this.notifications.saveFailed({
            ...record,
            status: 'failed',
            error: reason,
          });
        }
        throw new Error(reason, { cause: error });
      }
    }
    // Sent but not stored (database down) means a retry sends again: e-mail
    // is at least once, like the events that cause it.
    const stored = await this.notifications.saveDelivered({
      ...record,
      status,
    });
    this.logger.log(
      EMAIL_MESSAGES.delivered(
        data.template,
        data.to,
        status,
        job.id,
        correlationId,
      ),
    );
    return stored
      ? { status, notificationId: stored.id }
      : { status, duplicate: true };
  }
}

/** Throws an unrecoverable error: a value that cannot be opened never will. */
function openFailed(name: string, error: unknown): never {
  throw new UnrecoverableError(
    `The e-mail variable ${name} cannot be decrypted: ${errorMessage(error)}`,
  );
}

function render(data: EmailNotificationJob): RenderedEmail {
  try {
    return renderEmail(data.template, data.variables);
  } catch (error) {
    // A template that cannot be rendered now never will: fail at once.
    if (error instanceof EmailTemplateError) {
      throw new UnrecoverableError(error.message);
    }
    throw error;
  }
}

/** BullMQ counts attempts only after they fail: this one is `attemptsMade + 1`. */
function isLastAttempt(job: Job<unknown>): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
