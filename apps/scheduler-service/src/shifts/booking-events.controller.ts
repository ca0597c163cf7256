import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { BookingStatusChanged } from '@app/contracts';
import type { EventEnvelope } from '@app/event-bus';
import { ShiftsService } from './shifts.service.js';

/** `booking.confirmed` -> the assigned worker's shift (one per booking). */
@Controller()
export class BookingEventsController {
  constructor(private readonly shifts: ShiftsService) {}

  @EventPattern('booking.confirmed')
  async onBookingConfirmed(
    @Payload() event: EventEnvelope<BookingStatusChanged>,
  ): Promise<void> {
    await this.shifts.scheduleForBooking(event);
  }
}
