import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { BookingStatusChanged } from '@app/contracts';
import type { EventEnvelope } from '@app/event-bus';
import { EmailNotificationsProducer } from '../email/email-notifications.producer.js';
import { RecipientsRepository } from '../recipients/recipients.repository.js';

/**
 * Every booking status change is e-mailed to the customer, whose address
 * comes from the recipients directory (kept from user events).
 */
@Controller()
export class BookingEventsController {
  private readonly logger = new Logger(BookingEventsController.name);

  constructor(
    private readonly emails: EmailNotificationsProducer,
    private readonly recipients: RecipientsRepository,
  ) {}

  @EventPattern('booking.approved')
  onApproved(@Payload() event: EventEnvelope<BookingStatusChanged>) {
    return this.notifyCustomer(event);
  }

  @EventPattern('booking.rejected')
  onRejected(@Payload() event: EventEnvelope<BookingStatusChanged>) {
    return this.notifyCustomer(event);
  }

  @EventPattern('booking.assigned')
  onAssigned(@Payload() event: EventEnvelope<BookingStatusChanged>) {
    return this.notifyCustomer(event);
  }

  @EventPattern('booking.confirmed')
  onConfirmed(@Payload() event: EventEnvelope<BookingStatusChanged>) {
    return this.notifyCustomer(event);
  }

  @EventPattern('booking.started')
  onStarted(@Payload() event: EventEnvelope<BookingStatusChanged>) {
    return this.notifyCustomer(event);
  }

  @EventPattern('booking.completed')
  onCompleted(@Payload() event: EventEnvelope<BookingStatusChanged>) {
    return this.notifyCustomer(event);
  }

  @EventPattern('booking.cancelled')
  onCancelled(@Payload() event: EventEnvelope<BookingStatusChanged>) {
    return this.notifyCustomer(event);
  }

  private async notifyCustomer(
    event: EventEnvelope<BookingStatusChanged>,
  ): Promise<void> {
    const booking = event.data;
    const customer = await this.recipients.find(booking.customerId);
    if (!customer) {
      this.logger.warn(
        `No e-mail address known for customer ${booking.customerId}; ${event.type} ${event.id} is not e-mailed`,
      );
      return;
    }
    await this.emails.enqueue({
      to: customer.email,
      template: 'booking-status',
      variables: {
        name: customer.name,
        bookingId: booking.bookingId,
        status: booking.status,
        previousStatus: booking.previousStatus,
        startsAt: booking.startsAt,
        endsAt: booking.endsAt,
        reason: booking.reason ?? null,
      },
      eventId: event.id,
      correlationId: event.correlationid,
      causationId: event.id,
    });
  }
}
