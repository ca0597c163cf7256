import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { withTimeout } from '@app/common';
import type { ShiftChanged } from '@app/contracts';
import { currentCorrelation, type EventEnvelope } from '@app/event-bus';
import { InvoiceQueueProducer } from '../invoices/invoice-queue.producer.js';
import { wholeMinutes, workedSeconds } from '../invoices/invoice-amount.js';
import { ShiftsRepository } from '../shifts/shifts.repository.js';
import { TimesheetsRepository } from './timesheets.repository.js';

/** Bounds how long the timesheet transaction waits for the queue's Redis. */
export const QUEUE_ADD_TIMEOUT_MS = 5_000;

/**
 * Durable subscriber of `shift.completed`: records the worked time once per
 * shift and queues the shift's `invoice-generation` job, in one database
 * transaction. A failure (the queue's Redis away, the database busy) throws,
 * so the bus retries the event until it succeeds. Safe for redelivery: the
 * entry is `insert ... on conflict do nothing` and the job id
 * `invoice-<shiftId>` makes a second `add` a no-op. The job is queued even
 * when the entry already existed, so a redelivery after a failed attempt
 * still queues it.
 */
@Controller()
export class ShiftCompletedSubscriber {
  private readonly logger = new Logger(ShiftCompletedSubscriber.name);

  constructor(
    private readonly shifts: ShiftsRepository,
    private readonly timesheets: TimesheetsRepository,
    private readonly invoices: InvoiceQueueProducer,
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
    const recorded = await this.timesheets.recordOnce(
      {
        shiftId: shift.id,
        workerId: shift.workerId,
        startedAt: shift.startsAt,
        endedAt: shift.endsAt,
        minutes: wholeMinutes(workedSeconds(shift.startsAt, shift.endsAt)),
      },
      () =>
        withTimeout(
          this.invoices.enqueue({
            shiftId: shift.id,
            clientEmail: shift.clientEmail,
            organizationId: shift.organizationId,
            correlationId,
          }),
          QUEUE_ADD_TIMEOUT_MS,
        ),
    );
    this.logger.log(
      recorded
        ? `Recorded the timesheet of shift ${shift.id} and queued its invoice`
        : `Shift ${shift.id} was already recorded; invoice job ensured`,
    );
  }
}
