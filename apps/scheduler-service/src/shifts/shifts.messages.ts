/** Texts of the shift routes' errors and logs, in one place. */
export const SHIFTS_MESSAGES = {
  notFound: (id: string) => `Shift ${id} not found`,
  invalidId: 'id must be a UUID',
  endsBeforeStart: 'endsAt must be after startsAt',
  tooLong: (days: number) =>
    `endsAt must be at most ${days} days after startsAt`,
  bookingTaken: (bookingId: string) =>
    `A shift for booking ${bookingId} already exists`,
  notScheduled: (id: string, status: string) =>
    `Shift ${id} is ${status}; only a scheduled shift can be changed`,
  cannotComplete: (id: string, status: string) =>
    `Shift ${id} is ${status} and cannot be completed`,
  cannotCancel: (id: string, status: string) =>
    `Shift ${id} is ${status} and cannot be cancelled`,
  listOthers: 'You may only list your own shifts',
  bookingWithoutWorker: (bookingId: string) =>
    `booking.confirmed for booking ${bookingId} names no worker; no shift scheduled`,
  unknownCustomer: (bookingId: string, customerId: string) =>
    `booking.confirmed for booking ${bookingId}: the e-mail of customer ${customerId} is unknown (no user.registered seen); no shift scheduled`,
  bookingInvalidTimes: (bookingId: string, reason: string) =>
    `booking.confirmed for booking ${bookingId}: ${reason}; no shift scheduled`,
} as const;
