import { Module } from '@nestjs/common';
import { InvoicesModule } from '../invoices/invoices.module.js';
import { ShiftsModule } from '../shifts/shifts.module.js';
import { ShiftCompletedSubscriber } from './shift-completed.subscriber.js';
import { TimesheetsController } from './timesheets.controller.js';
import { TimesheetsRepository } from './timesheets.repository.js';

/** Timesheets: worked time per completed shift, which queues the invoice. */
@Module({
  imports: [ShiftsModule, InvoicesModule],
  controllers: [TimesheetsController, ShiftCompletedSubscriber],
  providers: [TimesheetsRepository],
})
export class TimesheetsModule {}
