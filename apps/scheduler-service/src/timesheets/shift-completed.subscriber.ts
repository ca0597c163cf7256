import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { withTimeout } from '@app/common';
import type { ShiftChanged } from '@app/contracts';
import {
  currentCorrelation,
  EventInbox,
  type EventEnvelope,
} from '@app/event-bus';
import { InvoiceQueueProducer } from '../invoices/invoice-queue.producer.js';
import { wholeMinutes, workedSeconds } from '../invoices/invoice-amount.js';
import { ShiftsRepository } from '../shifts/shifts.repository.js';
import { TimesheetsRepository } from './timesheets.repository.js';

/** Bounds how long the timesheet transaction waits for the queue's Redis. */
export const QUEUE_ADD_TIMEOUT_MS = 5_000;

/**
 * Durable subscriber of `shift.completed`: in one database transaction,
 * records the event in the inbox, the worked time once per shift, and queues
 * the shift's `invoice-generation` job. A failure (the queue's Redis away,
 * the database busy) rolls all of it back and throws, so the bus retries the
 * event until it succeeds. A redelivered event changes nothing (inbox); a
 * second event for the same shift adds no entry (unique `shift_id`) and no
 * job (job id `invoice-<shiftId>`).
 */
@Controller()
export class ShiftCompletedSubscriber {
  private readonly logger = new Logger(ShiftCompletedSubscriber.name);

  constructor(
    private readonly shifts: ShiftsRepository,
    private readonly timesheets: TimesheetsRepository,
    private readonly invoices: InvoiceQueueProducer,
    private readonly inbox: EventInbox,
  ) {}

  @EventPattern('shift.completed')
  async onShiftCompleted(
    @Payload() event: EventEnvelope<ShiftChanged>,
  ): Promise<void> {
    const { shiftId } = event.data;
    // The stored shift, not the payload, is the truth: an event published by
    // hand cannot invent worked time.
    const shift = await this.shifts.findById(shiftId);
    if (!shift || shift.status !== 'completed') {
      this.logger.warn(
        `shift.completed for shift ${shiftId}, which is ${shift?.status ?? 'unknown'}; nothing recorded`,
      );
      return;
    }
    const correlationId =
      currentCorrelation()?.correlationId ?? event.correlationid;
    const recorded = await this.timesheets.transaction(
      async (timesheets, transaction) => {
        if (!(await this.inbox.accept(transaction, event))) return undefined;
        const inserted = await timesheets.insertOnce({
          shiftId: shift.id,
          workerId: shift.workerId,
          startedAt: shift.startsAt,
          endedAt: shift.endsAt,
          minutes: wholeMinutes(workedSeconds(shift.startsAt, shift.endsAt)),
        });
        await withTimeout(
          this.invoices.enqueue({
            shiftId: shift.id,
            clientEmail: shift.clientEmail,
            organizationId: shift.organizationId,
            correlationId,
            causationId: event.id,
          }),
          QUEUE_ADD_TIMEOUT_MS,
        );
        return inserted;
      },
    );
    if (recorded === undefined) return;
    this.logger.log(
      recorded
        ? `Recorded the timesheet of shift ${shift.id} and queued its invoice`
        : `Shift ${shift.id} was already recorded; invoice job ensured`,
    );
  }
}
