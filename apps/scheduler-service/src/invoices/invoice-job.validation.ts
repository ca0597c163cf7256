import { InvoiceGenerationJob } from '@app/contracts';
import { UnrecoverableError } from 'bullmq';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { INVOICES_MESSAGES } from './invoices.messages.js';

/**
 * Validates the data of an `invoice-generation` job against the contract's
 * class. Invalid data throws `UnrecoverableError`, so BullMQ fails the job
 * at once (no retry could fix it) with the failing fields as its reason.
 */
export function parseInvoiceJob(data: unknown): InvoiceGenerationJob {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UnrecoverableError(
      INVOICES_MESSAGES.invalidJob(INVOICES_MESSAGES.notAnObject),
    );
  }
  const job = plainToInstance(InvoiceGenerationJob, data);
  const errors = validateSync(job, { forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new UnrecoverableError(
      INVOICES_MESSAGES.invalidJob(describe(errors)),
    );
  }
  return job;
}

function describe(errors: ValidationError[]): string {
  return errors
    .flatMap((error) => Object.values(error.constraints ?? {}))
    .join('; ');
}
