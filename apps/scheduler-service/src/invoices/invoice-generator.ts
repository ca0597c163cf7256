import { Injectable, Logger } from '@nestjs/common';
import type { InvoiceGenerationJob } from '@app/contracts';
import { EventBus } from '@app/event-bus';
import { UnrecoverableError } from 'bullmq';
import { DEFAULT_CURRENCY } from '../organizations/organization-settings.js';
import { PricingCache } from '../organizations/pricing-cache.js';
import { ShiftsRepository } from '../shifts/shifts.repository.js';
import {
  InvoiceArithmeticError,
  invoiceAmount,
  wholeMinutes,
  workedSeconds,
} from './invoice-amount.js';
import { INVOICES_MESSAGES } from './invoices.messages.js';
import { InvoicesRepository } from './invoices.repository.js';

/** What a completed invoice job returns (kept by BullMQ). */
export interface InvoiceJobResult {
  invoiceId: string;
  amount: number;
  currency: string;
  /** The shift had its invoice already; nothing was stored or emitted. */
  duplicate?: boolean;
}

/**
 * Computes, stores and announces (in one transaction, through the outbox)
 * the invoice of a completed shift: worked
 * time (end - start) x the shift's `hourlyRate` (the contract's rule),
 * rounded half up in minor units, in the organization's currency (its
 * settings come through `PricingCache`; `USD` when it has none). Data that
 * can never be invoiced (no such shift, not completed, amount out of range) throws
 * `UnrecoverableError`; anything else (database down) throws for a retry.
 */
@Injectable()
export class InvoiceGenerator {
  private readonly logger = new Logger(InvoiceGenerator.name);

  constructor(
    private readonly shifts: ShiftsRepository,
    private readonly pricing: PricingCache,
    private readonly invoices: InvoicesRepository,
    private readonly bus: EventBus,
  ) {}

  async generate(
    job: InvoiceGenerationJob,
    jobId?: string,
  ): Promise<InvoiceJobResult> {
    const shift = await this.shifts.findById(job.shiftId);
    if (!shift) {
      throw new UnrecoverableError(
        INVOICES_MESSAGES.shiftNotFound(job.shiftId),
      );
    }
    if (shift.status !== 'completed') {
      throw new UnrecoverableError(
        INVOICES_MESSAGES.shiftNotCompleted(shift.id, shift.status),
      );
    }
    const existing = await this.invoices.findByShiftId(shift.id);
    if (existing) return this.duplicate(existing, jobId);

    // A completed shift cannot change, so the shift's own client and
    // organization are the ones the job was queued with.
    // Without stored settings the organization is billed in the default
    // currency (contract), at the shift's own rate as always.
    const currency =
      (await this.pricing.get(shift.organizationId))?.currency ??
      DEFAULT_CURRENCY;
    let seconds: number;
    let amount: number;
    try {
      seconds = workedSeconds(shift.startsAt, shift.endsAt);
      amount = invoiceAmount(seconds, shift.hourlyRate);
    } catch (error) {
      if (error instanceof InvoiceArithmeticError) {
        throw new UnrecoverableError(error.message);
      }
      throw error;
    }
    // The invoice and invoice.generated commit together (outbox); only the
    // job that inserted the invoice announces it. A failure rolls both back
    // and the job is retried.
    const { invoice, inserted } = await this.invoices.transaction(
      async (invoices, transaction) => {
        const stored = await invoices.insertOnce({
          shiftId: shift.id,
          clientEmail: shift.clientEmail,
          organizationId: shift.organizationId,
          minutes: wholeMinutes(seconds),
          hourlyRate: shift.hourlyRate,
          amount,
          currency,
        });
        if (stored.inserted) {
          const row = stored.invoice;
          await this.bus.publish(
            'invoice.generated',
            {
              invoiceId: row.id,
              shiftId: row.shiftId,
              clientEmail: row.clientEmail,
              organizationId: row.organizationId,
              amount: row.amount,
              currency: row.currency,
            },
            { transaction },
          );
        }
        return stored;
      },
    );
    if (!inserted) return this.duplicate(invoice, jobId);

    this.logger.log(
      INVOICES_MESSAGES.generated(
        invoice.id,
        shift.id,
        invoice.amount,
        invoice.currency,
        jobId,
      ),
    );
    return {
      invoiceId: invoice.id,
      amount: invoice.amount,
      currency: invoice.currency,
    };
  }

  private duplicate(
    invoice: { id: string; shiftId: string; amount: number; currency: string },
    jobId: string | undefined,
  ): InvoiceJobResult {
    this.logger.log(
      INVOICES_MESSAGES.duplicate(invoice.id, invoice.shiftId, jobId),
    );
    return {
      invoiceId: invoice.id,
      amount: invoice.amount,
      currency: invoice.currency,
      duplicate: true,
    };
  }
}
