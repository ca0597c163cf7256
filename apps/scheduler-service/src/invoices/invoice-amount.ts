/**
 * Invoice arithmetic on integers only: money is never a float. Rates and
 * amounts are in minor units (cents); worked time is counted in whole
 * seconds.
 */

const SECONDS_PER_HOUR = 3_600n;
const HALF_HOUR_SECONDS = 1_800n;

/** Thrown when an amount cannot be computed exactly; retrying cannot help. */
export class InvoiceArithmeticError extends Error {
  constructor(message: string) {
    super(message);
    this.name = InvoiceArithmeticError.name;
  }
}

/** Whole seconds from `startsAt` to `endsAt` (milliseconds dropped). */
export function workedSeconds(startsAt: Date, endsAt: Date): number {
  const ms = endsAt.getTime() - startsAt.getTime();
  if (!Number.isFinite(ms) || ms < 0) {
    throw new InvoiceArithmeticError(
      'The shift must end after it starts to be invoiced',
    );
  }
  return Math.floor(ms / 1_000);
}

/** Whole minutes of `seconds`, rounded down (what timesheets show). */
export function wholeMinutes(seconds: number): number {
  assertCount('seconds', seconds);
  return Math.floor(seconds / 60);
}

/**
 * `seconds / 3600 * hourlyRate`, rounded half up, in minor units:
 * `floor((seconds * rate + 1800) / 3600)`, computed with BigInt so no
 * intermediate product loses precision. E.g. 2 h 30 min at 2500 is 6250,
 * one minute at 100 is 2 (1.67 rounds up), 18 s at 100 is 1 (0.5 rounds up).
 */
export function invoiceAmount(seconds: number, hourlyRate: number): number {
  assertCount('seconds', seconds);
  assertCount('hourlyRate', hourlyRate);
  const amount =
    (BigInt(seconds) * BigInt(hourlyRate) + HALF_HOUR_SECONDS) /
    SECONDS_PER_HOUR;
  if (amount > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvoiceArithmeticError(
      `The invoice amount ${amount} is too large to store exactly`,
    );
  }
  return Number(amount);
}

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvoiceArithmeticError(
      `${name} must be a non-negative integer, got ${value}`,
    );
  }
}
