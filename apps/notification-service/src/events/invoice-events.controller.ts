import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { InvoiceGenerated } from '@app/contracts';
import type { EventEnvelope } from '@app/event-bus';
import { EmailNotificationsProducer } from '../email/email-notifications.producer.js';
import { formatMinorUnits } from '../email/money.js';

/** `invoice.generated` -> the invoice e-mail to the client (`clientEmail`). */
@Controller()
export class InvoiceEventsController {
  constructor(private readonly emails: EmailNotificationsProducer) {}

  @EventPattern('invoice.generated')
  async onInvoiceGenerated(
    @Payload() event: EventEnvelope<InvoiceGenerated>,
  ): Promise<void> {
    const invoice = event.data;
    await this.emails.enqueue({
      to: invoice.clientEmail,
      template: 'invoice',
      variables: {
        invoiceId: invoice.invoiceId,
        shiftId: invoice.shiftId,
        amount: formatMinorUnits(invoice.amount, invoice.currency),
        currency: invoice.currency,
      },
      eventId: event.id,
      correlationId: event.correlationid,
      causationId: event.id,
    });
  }
}
