import type { BookingStatus } from '@app/contracts';
import type { BookingStep } from './booking-state-machine.js';

/** Texts of the booking routes' errors, in one place. */
export const BOOKINGS_MESSAGES = {
  notFound: (id: string) => `Booking ${id} not found`,
  invalidId: 'id must be a UUID',
  endsBeforeStarts: 'endsAt must be after startsAt',
  timeOutOfRange: (field: string) =>
    `${field} must be an ISO 8601 date-time between the years 1970 and 9999`,
  noNulCharacters: (field: string) =>
    `${field} must not contain NUL characters`,
  invalidTransition: (step: BookingStep, status: BookingStatus) =>
    `Cannot ${step} a booking that is ${status}`,
  concurrentChange: (step: BookingStep, status: BookingStatus) =>
    `The booking changed while ${step} was being applied (it is now ${status}); read it and try again`,
  createForOthers: 'A customer may only create bookings for themselves',
  workersCannotCreate: 'Workers cannot create bookings',
  readForbidden:
    'You may only access this booking if it is yours or assigned to you',
  listOthersForbidden: (field: 'customerId' | 'workerId') =>
    `You may only list your own bookings (${field} must be your id or omitted)`,
  stepForbidden: (step: BookingStep, who: string) =>
    `Only ${who} may ${step} a booking`,
  customerDeletedReason: 'customer deleted',
} as const;
