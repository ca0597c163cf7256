import { Module } from '@nestjs/common';
import { UserDirectoryModule } from '../directory/user-directory.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { BookingEventsController } from './booking-events.controller.js';
import { ShiftEventsPublisher } from './shift-events.publisher.js';
import { ShiftsController } from './shifts.controller.js';
import { ShiftsRepository } from './shifts.repository.js';
import { ShiftsService } from './shifts.service.js';

/** Shifts: `/shifts` routes, their events, and shifts of confirmed bookings. */
@Module({
  imports: [OrganizationsModule, UserDirectoryModule],
  controllers: [ShiftsController, BookingEventsController],
  providers: [ShiftsService, ShiftsRepository, ShiftEventsPublisher],
  exports: [ShiftsRepository],
})
export class ShiftsModule {}
