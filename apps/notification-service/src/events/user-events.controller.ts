import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type {
  UserDeleted,
  UserRegistered,
  UserUpdated,
  UserVerified,
} from '@app/contracts';
import { EventTrust, type EventEnvelope } from '@app/event-bus';
import { sealedVariableContext } from '../email/email.constants.js';
import { EmailNotificationsProducer } from '../email/email-notifications.producer.js';
import { RecipientsRepository } from '../recipients/recipients.repository.js';

/**
 * Turns user events into e-mail jobs and keeps the recipients directory. The
 * bus validated each envelope and payload before these run; the job id makes
 * a redelivered event harmless, and the directory writes are idempotent.
 */
@Controller()
export class UserEventsController {
  constructor(
    private readonly emails: EmailNotificationsProducer,
    private readonly recipients: RecipientsRepository,
    private readonly trust: EventTrust,
  ) {}

  /** `user.registered` -> the verification e-mail with the one-time token. */
  @EventPattern('user.registered')
  async onUserRegistered(
    @Payload() event: EventEnvelope<UserRegistered>,
  ): Promise<void> {
    const { userId, email, name, verificationToken } = event.data;
    await this.recipients.upsert(userId, email, name);
    await this.emails.enqueue({
      to: email,
      template: 'verify-email',
      // The job data rests in Redis: the token stays encrypted there.
      variables: {
        name,
        token: this.trust.cipher.seal(
          verificationToken,
          sealedVariableContext('token'),
        ),
      },
      eventId: event.id,
      correlationId: event.correlationid,
      causationId: event.id,
    });
  }

  /** `user.verified` -> the welcome e-mail. */
  @EventPattern('user.verified')
  async onUserVerified(
    @Payload() event: EventEnvelope<UserVerified>,
  ): Promise<void> {
    const { userId, email, name } = event.data;
    await this.recipients.upsert(userId, email, name);
    await this.emails.enqueue({
      to: email,
      template: 'welcome',
      variables: { name },
      eventId: event.id,
      correlationId: event.correlationid,
      causationId: event.id,
    });
  }

  @EventPattern('user.updated')
  async onUserUpdated(
    @Payload() event: EventEnvelope<UserUpdated>,
  ): Promise<void> {
    const { name } = event.data.changes;
    if (name) await this.recipients.rename(event.data.userId, name);
  }

  @EventPattern('user.deleted')
  async onUserDeleted(
    @Payload() event: EventEnvelope<UserDeleted>,
  ): Promise<void> {
    await this.recipients.remove(event.data.userId);
  }
}
