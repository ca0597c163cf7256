import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { isAdmin, type AuthenticatedUser } from '@app/common';
import type { UserDeleted } from '@app/contracts';
import {
  EventInbox,
  type BusTransaction,
  type EventEnvelope,
} from '@app/event-bus';
import { isUUID } from 'class-validator';
import type { BookingRow } from '../database/schema.js';
import { BookingAccess } from './booking-access.js';
import { BookingEventsPublisher } from './booking-events.publisher.js';
import {
  BOOKING_TRANSITIONS,
  canTake,
  type BookingStep,
} from './booking-state-machine.js';
import { toBookingResponse, type BookingResponse } from './booking.response.js';
import {
  BookingsRepository,
  type BookingStatusChange,
} from './bookings.repository.js';
import { BOOKINGS_MESSAGES } from './bookings.messages.js';
import type { CreateBookingDto } from './dto/create-booking.dto.js';
import {
  DEFAULT_LIST_LIMIT,
  type ListBookingsQuery,
} from './dto/list-bookings.query.js';
import { InvalidTransitionException } from './invalid-transition.exception.js';

/** What a step may carry: the worker of `assign`, the reason of `reject`/`cancel`. */
export interface StepInput {
  workerId?: string;
  reason?: string;
}

/** How often a system cancellation re-reads a booking that changed under it. */
const MAX_CANCEL_ATTEMPTS = 5;

/**
 * Bookings: creation, reading, listing and the lifecycle steps, with the
 * access rules of `BookingAccess` and the transitions of
 * `BOOKING_TRANSITIONS`. Each write and its event commit together: the event
 * goes into the bus's outbox in the write's transaction.
 */
@Injectable()
export class BookingsService {
  private readonly logger = new Logger(BookingsService.name);

  constructor(
    private readonly bookings: BookingsRepository,
    private readonly events: BookingEventsPublisher,
    private readonly inbox: EventInbox,
  ) {}

  /** A new booking in status `requested`; emits `booking.created`. */
  async create(
    caller: AuthenticatedUser,
    dto: CreateBookingDto,
  ): Promise<BookingResponse> {
    BookingAccess.assertMayCreate(caller, dto.customerId);
    // The booking and booking.created commit together (outbox).
    const booking = await this.bookings.transaction(
      async (bookings, transaction) => {
        const row = await bookings.insert({
          customerId: dto.customerId,
          startsAt: new Date(dto.startsAt),
          endsAt: new Date(dto.endsAt),
          locationId: dto.locationId ?? null,
          notes: dto.notes ?? null,
          status: 'requested',
        });
        await this.events.created(row, transaction);
        return row;
      },
    );
    this.logger.log(
      `Created booking ${booking.id} for customer ${booking.customerId}`,
    );
    return toBookingResponse(booking);
  }

  async findOne(
    caller: AuthenticatedUser,
    id: string,
  ): Promise<BookingResponse> {
    const booking = await this.load(id);
    BookingAccess.assertMayRead(caller, booking);
    return toBookingResponse(booking);
  }

  /** What the caller may see of the filtered bookings, newest first. */
  async list(
    caller: AuthenticatedUser,
    query: ListBookingsQuery,
  ): Promise<{ items: BookingResponse[] }> {
    const filter = BookingAccess.listFilter(caller, {
      customerId: query.customerId,
      workerId: query.workerId,
      status: query.status,
    });
    // User ids are UUIDs; a token whose subject is not one owns nothing (and
    // must not reach the uuid column as a failing cast).
    if (!isAdmin(caller) && !isUUID(caller.id)) return { items: [] };
    const rows = await this.bookings.list(
      filter,
      query.limit ?? DEFAULT_LIST_LIMIT,
    );
    return { items: rows.map(toBookingResponse) };
  }

  /**
   * Takes a lifecycle step: 404 for an unknown booking, then 403 unless the
   * caller may take it, then 409 unless the booking's status allows it (or
   * when a concurrent step changed the booking first).
   */
  async takeStep(
    caller: AuthenticatedUser,
    id: string,
    step: BookingStep,
    input: StepInput = {},
  ): Promise<BookingResponse> {
    const booking = await this.load(id);
    BookingAccess.assertMayTake(caller, step, booking);
    return toBookingResponse(await this.apply(booking, step, input));
  }

  /**
   * `user.deleted`: cancels every open booking of the customer with the
   * reason `customer deleted`, emitting `booking.cancelled` for each, in one
   * transaction with the event's inbox record: a redelivered event changes
   * nothing. Returns how many bookings it cancelled.
   */
  async cancelOpenBookingsOfCustomer(
    event: EventEnvelope<UserDeleted>,
  ): Promise<number> {
    const customerId = event.data.userId;
    const cancelled = await this.bookings.transaction(
      async (bookings, transaction) => {
        if (!(await this.inbox.accept(transaction, event))) return 0;
        let count = 0;
        for (const booking of await bookings.findOpenByCustomer(customerId)) {
          const done = await this.cancelForDeletedCustomer(
            bookings,
            transaction,
            booking,
          );
          if (done) count++;
        }
        return count;
      },
    );
    if (cancelled > 0) {
      this.logger.log(
        `Cancelled ${cancelled} open booking(s) of deleted customer ${customerId}`,
      );
    }
    return cancelled;
  }

  /**
   * Writes the step's transition if the booking is still as it was read,
   * with the step's event in the same transaction (outbox).
   */
  private async apply(
    booking: BookingRow,
    step: BookingStep,
    input: StepInput,
  ): Promise<BookingRow> {
    if (!canTake(step, booking.status)) {
      throw new InvalidTransitionException(step, booking.status);
    }
    const updated = await this.bookings.transaction((bookings, transaction) =>
      this.transition(bookings, transaction, booking, step, input),
    );
    if (!updated) {
      // Another step changed (or someone removed) the booking since it was
      // read: report what it is now.
      const current = await this.load(booking.id);
      throw new InvalidTransitionException(step, current.status);
    }
    this.logger.log(
      `Booking ${updated.id}: ${step} (${booking.status} -> ${updated.status})`,
    );
    return updated;
  }

  /**
   * In `transaction`: the step's guarded update and, if it applied, its
   * event (outbox). `undefined` when the booking is no longer as read.
   */
  private async transition(
    bookings: BookingsRepository,
    transaction: BusTransaction,
    booking: BookingRow,
    step: BookingStep,
    input: StepInput,
  ): Promise<BookingRow | undefined> {
    const transition = BOOKING_TRANSITIONS[step];
    const change: BookingStatusChange = { status: transition.to };
    if (input.workerId !== undefined) change.workerId = input.workerId;
    if (input.reason !== undefined) change.reason = input.reason;
    const row = await bookings.transition(
      booking.id,
      { status: booking.status, workerId: booking.workerId },
      change,
    );
    if (row) {
      await this.events.statusChanged(
        transition.event,
        row,
        booking,
        transaction,
      );
    }
    return row;
  }

  /**
   * Cancels one booking within the caller's transaction, re-reading it if a
   * concurrent step moved it first (each statement sees the latest commit).
   */
  private async cancelForDeletedCustomer(
    bookings: BookingsRepository,
    transaction: BusTransaction,
    booking: BookingRow,
  ): Promise<boolean> {
    let current: BookingRow | undefined = booking;
    for (let attempt = 0; attempt < MAX_CANCEL_ATTEMPTS; attempt++) {
      if (!current || !canTake('cancel', current.status)) return false;
      const cancelled = await this.transition(
        bookings,
        transaction,
        current,
        'cancel',
        { reason: BOOKINGS_MESSAGES.customerDeletedReason },
      );
      if (cancelled) {
        this.logger.log(
          `Booking ${booking.id}: cancel (${current.status} -> ${cancelled.status})`,
        );
        return true;
      }
      current = await bookings.findById(booking.id);
    }
    this.logger.warn(
      `Gave up cancelling booking ${booking.id} of a deleted customer: it kept changing`,
    );
    return false;
  }

  private async load(id: string): Promise<BookingRow> {
    const booking = await this.bookings.findById(id);
    if (!booking) throw new NotFoundException(BOOKINGS_MESSAGES.notFound(id));
    return booking;
  }
}
