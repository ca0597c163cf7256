import type { BookingStatus, EventType } from '@app/contracts';

/** The lifecycle steps, one route each (`POST /bookings/:id/<step>`). */
export const BOOKING_STEPS = [
  'approve',
  'reject',
  'assign',
  'confirm',
  'start',
  'complete',
  'cancel',
] as const;
export type BookingStep = (typeof BOOKING_STEPS)[number];

/**
 * Who may take a step, besides an admin (who may take every step):
 * `admin` only an admin; `assignedWorker` the worker the booking is assigned
 * to; `owner` the customer the booking belongs to.
 */
export type StepActor = 'admin' | 'assignedWorker' | 'owner';

/** Events of the lifecycle steps (all carry `BookingStatusChanged`). */
export type BookingStepEvent = Extract<
  EventType,
  | 'booking.approved'
  | 'booking.rejected'
  | 'booking.assigned'
  | 'booking.confirmed'
  | 'booking.started'
  | 'booking.completed'
  | 'booking.cancelled'
>;

export interface BookingTransition {
  /** Statuses the step may be taken from. */
  readonly from: readonly BookingStatus[];
  /** Status the booking is in after the step. */
  readonly to: BookingStatus;
  /** Event emitted when the step is taken. */
  readonly event: BookingStepEvent;
  /** Who may take it (an admin always may). */
  readonly actor: StepActor;
}

/** Statuses from which a booking can still move on (all but the final ones). */
export const OPEN_STATUSES = [
  'requested',
  'approved',
  'assigned',
  'confirmed',
  'in_progress',
] as const satisfies readonly BookingStatus[];

/** Statuses nothing leaves. */
export const FINAL_STATUSES = [
  'rejected',
  'completed',
  'cancelled',
] as const satisfies readonly BookingStatus[];

/**
 * THE booking lifecycle: every allowed transition, keyed by step. Nothing
 * else in the service decides whether a status change is allowed.
 *
 * `assign` is also allowed from `assigned` so an admin can re-assign a
 * booking to another worker until it is confirmed.
 */
export const BOOKING_TRANSITIONS: Readonly<
  Record<BookingStep, BookingTransition>
> = {
  approve: {
    from: ['requested'],
    to: 'approved',
    event: 'booking.approved',
    actor: 'admin',
  },
  reject: {
    from: ['requested'],
    to: 'rejected',
    event: 'booking.rejected',
    actor: 'admin',
  },
  assign: {
    from: ['approved', 'assigned'],
    to: 'assigned',
    event: 'booking.assigned',
    actor: 'admin',
  },
  confirm: {
    from: ['assigned'],
    to: 'confirmed',
    event: 'booking.confirmed',
    actor: 'admin',
  },
  start: {
    from: ['confirmed'],
    to: 'in_progress',
    event: 'booking.started',
    actor: 'assignedWorker',
  },
  complete: {
    from: ['in_progress'],
    to: 'completed',
    event: 'booking.completed',
    actor: 'assignedWorker',
  },
  cancel: {
    from: OPEN_STATUSES,
    to: 'cancelled',
    event: 'booking.cancelled',
    actor: 'owner',
  },
};

/** Whether `step` may be taken from `status`. */
export function canTake(step: BookingStep, status: BookingStatus): boolean {
  return BOOKING_TRANSITIONS[step].from.includes(status);
}

/** The steps that may be taken from `status`, in lifecycle order. */
export function allowedSteps(status: BookingStatus): BookingStep[] {
  return BOOKING_STEPS.filter((step) => canTake(step, status));
}

/** Whether a booking in `status` can still move on. */
export function isOpen(status: BookingStatus): boolean {
  return (OPEN_STATUSES as readonly BookingStatus[]).includes(status);
}
