import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { UserDeleted } from '@app/contracts';
import type { EventEnvelope } from '@app/event-bus';
import { BookingsService } from './bookings.service.js';

/**
 * Reacts to user events. The bus validated the envelope and payload before
 * this runs, and runs it in the event's correlation, so the events it causes
 * carry the same correlation id.
 */
@Controller()
export class UserEventsController {
  constructor(private readonly bookings: BookingsService) {}

  /**
   * `user.deleted` -> that customer's open bookings are cancelled (reason
   * `customer deleted`). A redelivery changes nothing (inbox).
   */
  @EventPattern('user.deleted')
  async onUserDeleted(
    @Payload() event: EventEnvelope<UserDeleted>,
  ): Promise<void> {
    await this.bookings.cancelOpenBookingsOfCustomer(event);
  }
}
