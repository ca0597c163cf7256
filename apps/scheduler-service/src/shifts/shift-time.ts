import {
  registerDecorator,
  isISO8601,
  type ValidationOptions,
} from 'class-validator';

/** A shift lasts at most this long (keeps invoices and minutes in range). */
export const MAX_SHIFT_DAYS = 31;
export const MAX_SHIFT_MS = MAX_SHIFT_DAYS * 24 * 60 * 60 * 1_000;

const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(10_000, 0, 1);

/** True for an ISO 8601 date(-time) between 1970 and 9999 inclusive. */
export function isShiftTime(value: unknown): value is string {
  if (typeof value !== 'string' || !isISO8601(value, { strict: true })) {
    return false;
  }
  const time = Date.parse(value);
  return Number.isFinite(time) && time >= EARLIEST && time < LATEST;
}

/** `@IsShiftTime()`: an ISO 8601 time the database and Date both hold. */
export function IsShiftTime(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isShiftTime',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `${String(propertyName)} must be an ISO 8601 date-time between the years 1970 and 9999`,
        ...options,
      },
      validator: { validate: isShiftTime },
    });
}

/** The reason `startsAt`..`endsAt` is not a valid shift, or undefined. */
export function shiftTimesProblem(
  startsAt: Date,
  endsAt: Date,
): 'endsBeforeStart' | 'tooLong' | undefined {
  const length = endsAt.getTime() - startsAt.getTime();
  if (!(length > 0)) return 'endsBeforeStart';
  if (length > MAX_SHIFT_MS) return 'tooLong';
  return undefined;
}
