import { Module } from '@nestjs/common';
import { EmailModule } from '../email/email.module.js';
import { RecipientsModule } from '../recipients/recipients.module.js';
import { BookingEventsController } from './booking-events.controller.js';
import { InvoiceEventsController } from './invoice-events.controller.js';
import { UserEventsController } from './user-events.controller.js';

/** The events notification-service listens to, each becoming an e-mail job. */
@Module({
  imports: [EmailModule, RecipientsModule],
  controllers: [
    UserEventsController,
    BookingEventsController,
    InvoiceEventsController,
  ],
})
export class EventsModule {}
