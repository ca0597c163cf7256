import { Module } from '@nestjs/common';
import { BookingEventsPublisher } from './booking-events.publisher.js';
import { BookingsController } from './bookings.controller.js';
import { BookingsRepository } from './bookings.repository.js';
import { BookingsService } from './bookings.service.js';
import { UserEventsController } from './user-events.controller.js';

/**
 * Bookings: `/bookings` routes, the bookings table, the lifecycle events and
 * the `user.deleted` handler.
 */
@Module({
  controllers: [BookingsController, UserEventsController],
  providers: [BookingsService, BookingsRepository, BookingEventsPublisher],
})
export class BookingsModule {}
