import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { ShiftsModule } from '../shifts/shifts.module.js';
import { InvoiceQueueModule } from './invoice.constants.js';
import { InvoiceGenerator } from './invoice-generator.js';
import { InvoiceQueueProducer } from './invoice-queue.producer.js';
import { InvoiceWorker } from './invoice.worker.js';
import { InvoicesController } from './invoices.controller.js';
import { InvoicesRepository } from './invoices.repository.js';
import { InvoicesService } from './invoices.service.js';

/**
 * Invoices: the `invoice-generation` queue, its producer and worker, the
 * `invoices` table and the `/invoices` routes.
 */
@Module({
  imports: [InvoiceQueueModule, ShiftsModule, OrganizationsModule],
  controllers: [InvoicesController],
  providers: [
    InvoiceQueueProducer,
    InvoiceGenerator,
    InvoiceWorker,
    InvoicesRepository,
    InvoicesService,
  ],
  exports: [InvoiceQueueProducer],
})
export class InvoicesModule {}
