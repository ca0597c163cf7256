import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { UserDeleted, UserRegistered, UserUpdated } from '@app/contracts';
import type { EventEnvelope } from '@app/event-bus';
import { UserDirectoryRepository } from './user-directory.repository.js';

/**
 * Keeps `user_directory` from user events: scheduler-service needs a
 * customer's e-mail for the shifts of confirmed bookings and never reads
 * user-service's tables.
 */
@Controller()
export class UserEventsController {
  constructor(private readonly directory: UserDirectoryRepository) {}

  @EventPattern('user.registered')
  async onUserRegistered(
    @Payload() event: EventEnvelope<UserRegistered>,
  ): Promise<void> {
    const { userId, email, name } = event.data;
    await this.directory.upsert({ userId, email: email.toLowerCase(), name });
  }

  /** Only the name can change (`changes` never holds the e-mail). */
  @EventPattern('user.updated')
  async onUserUpdated(
    @Payload() event: EventEnvelope<UserUpdated>,
  ): Promise<void> {
    const { name } = event.data.changes;
    if (name) await this.directory.rename(event.data.userId, name);
  }

  @EventPattern('user.deleted')
  async onUserDeleted(
    @Payload() event: EventEnvelope<UserDeleted>,
  ): Promise<void> {
    await this.directory.delete(event.data.userId);
  }
}
