import {
  isISO8601,
  registerDecorator,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { BOOKINGS_MESSAGES } from '../bookings.messages.js';

const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(10_000, 0, 1);

/** A parseable, calendar-valid ISO 8601 time that PostgreSQL can store. */
export function isBookingTime(value: unknown): value is string {
  if (typeof value !== 'string' || !isISO8601(value, { strict: true })) {
    return false;
  }
  const time = Date.parse(value);
  return !Number.isNaN(time) && time >= EARLIEST && time < LATEST;
}

/**
 * An ISO 8601 date-time (strict: no 30 February) between 1970 and 9999, so
 * nothing reaches the database that it would refuse with a 500.
 */
export function IsBookingTime(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isBookingTime',
      target: object.constructor,
      propertyName,
      options: {
        message: BOOKINGS_MESSAGES.timeOutOfRange(propertyName),
        ...options,
      },
      validator: { validate: isBookingTime },
    });
}

/**
 * The time is after the one in `property`; silent while either is not a
 * valid time (its own validator reports that).
 */
export function IsAfter(property: string, options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isAfter',
      target: object.constructor,
      propertyName,
      constraints: [property],
      options: { message: BOOKINGS_MESSAGES.endsBeforeStarts, ...options },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const other = (args.object as Record<string, unknown>)[property];
          if (!isBookingTime(value) || !isBookingTime(other)) return true;
          return Date.parse(value) > Date.parse(other);
        },
      },
    });
}

/**
 * PostgreSQL text cannot hold U+0000; refusing it here keeps it a 400
 * rather than a failed query.
 */
export function HasNoNulCharacter(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'hasNoNulCharacter',
      target: object.constructor,
      propertyName,
      options: {
        message: BOOKINGS_MESSAGES.noNulCharacters(propertyName),
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || !value.includes('\u0000'),
      },
    });
}
