import { ForbiddenException } from '@nestjs/common';
import { isAdmin, type AuthenticatedUser } from '@app/common';
import type { BookingStatus } from '@app/contracts';
import {
  BOOKING_TRANSITIONS,
  type BookingStep,
  type StepActor,
} from './booking-state-machine.js';
import { BOOKINGS_MESSAGES } from './bookings.messages.js';

/** What the access rules need to know of a booking. */
export interface BookingParties {
  customerId: string;
  workerId: string | null;
}

/** Filters of `GET /bookings` after the access rules were applied. */
export interface BookingListFilter {
  customerId?: string;
  workerId?: string;
  status?: BookingStatus;
}

const ACTOR_NAMES: Record<StepActor, string> = {
  admin: 'an admin',
  assignedWorker: 'the assigned worker or an admin',
  owner: 'the customer who owns the booking or an admin',
};

/**
 * The access rules of booking-service (ARCHITECTURE.md "Access"): an admin
 * may do anything; a customer acts on their own bookings, a worker on the
 * bookings assigned to them. Each rule throws 403 when it refuses.
 */
export const BookingAccess = {
  /** An admin for anyone; a customer only for themselves; never a worker. */
  assertMayCreate(caller: AuthenticatedUser, customerId: string): void {
    if (isAdmin(caller)) return;
    if (caller.role !== 'customer') {
      throw new ForbiddenException(BOOKINGS_MESSAGES.workersCannotCreate);
    }
    if (customerId !== caller.id) {
      throw new ForbiddenException(BOOKINGS_MESSAGES.createForOthers);
    }
  },

  /** The owning customer, the assigned worker or an admin. */
  assertMayRead(caller: AuthenticatedUser, booking: BookingParties): void {
    if (
      isAdmin(caller) ||
      (caller.role === 'customer' && booking.customerId === caller.id) ||
      (caller.role === 'worker' && booking.workerId === caller.id)
    ) {
      return;
    }
    throw new ForbiddenException(BOOKINGS_MESSAGES.readForbidden);
  },

  /** Whoever the transition table names for the step, or an admin. */
  assertMayTake(
    caller: AuthenticatedUser,
    step: BookingStep,
    booking: BookingParties,
  ): void {
    if (isAdmin(caller)) return;
    const { actor } = BOOKING_TRANSITIONS[step];
    const allowed =
      (actor === 'owner' &&
        caller.role === 'customer' &&
        booking.customerId === caller.id) ||
      (actor === 'assignedWorker' &&
        caller.role === 'worker' &&
        booking.workerId === caller.id);
    if (!allowed) {
      throw new ForbiddenException(
        BOOKINGS_MESSAGES.stepForbidden(step, ACTOR_NAMES[actor]),
      );
    }
  },

  /**
   * Narrows a list query to what the caller may see: an admin any filter; a
   * customer their own bookings (customerId omitted means themselves); a
   * worker the bookings assigned to them (workerId likewise).
   */
  listFilter(
    caller: AuthenticatedUser,
    query: BookingListFilter,
  ): BookingListFilter {
    if (isAdmin(caller)) return query;
    const own = caller.role === 'worker' ? 'workerId' : 'customerId';
    if (query[own] !== undefined && query[own] !== caller.id) {
      throw new ForbiddenException(BOOKINGS_MESSAGES.listOthersForbidden(own));
    }
    return { ...query, [own]: caller.id };
  },
};
