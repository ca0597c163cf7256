import { Module } from '@nestjs/common';
import { EmailModule } from '../email/email.module.js';
import { UserEventsController } from './user-events.controller.js';

/** The events notification-service listens to, each becoming an e-mail job. */
@Module({
  imports: [EmailModule],
  controllers: [UserEventsController],
})
export class EventsModule {}
