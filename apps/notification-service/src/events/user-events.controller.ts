import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { UserRegistered, UserVerified } from '@app/contracts';
import type { EventEnvelope } from '@app/event-bus';
import { EmailNotificationsProducer } from '../email/email-notifications.producer.js';

/**
 * Turns user events into e-mail jobs. The bus validated each envelope and
 * payload before these run; the job id makes a redelivered event harmless.
 */
@Controller()
export class UserEventsController {
  constructor(private readonly emails: EmailNotificationsProducer) {}

  /** `user.registered` -> the verification e-mail with the one-time token. */
  @EventPattern('user.registered')
  async onUserRegistered(
    @Payload() event: EventEnvelope<UserRegistered>,
  ): Promise<void> {
    await this.emails.enqueue({
      to: event.data.email,
      template: 'verify-email',
      variables: { name: event.data.name, token: event.data.verificationToken },
      eventId: event.id,
      correlationId: event.correlationid,
    });
  }

  /** `user.verified` -> the welcome e-mail. */
  @EventPattern('user.verified')
  async onUserVerified(
    @Payload() event: EventEnvelope<UserVerified>,
  ): Promise<void> {
    await this.emails.enqueue({
      to: event.data.email,
      template: 'welcome',
      variables: { name: event.data.name },
      eventId: event.id,
      correlationId: event.correlationid,
    });
  }
}
