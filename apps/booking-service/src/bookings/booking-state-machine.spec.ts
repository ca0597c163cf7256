import { BOOKING_STATUSES, type BookingStatus } from '@app/contracts';
import {
  allowedSteps,
  BOOKING_STEPS,
  BOOKING_TRANSITIONS,
  canTake,
  isOpen,
  type BookingStep,
} from './booking-state-machine.js';
import { InvalidTransitionException } from './invalid-transition.exception.js';

/** Every allowed transition of the lifecycle, written out once more by hand. */
const ALLOWED: [BookingStep, BookingStatus, BookingStatus, string][] = [
  ['approve', 'requested', 'approved', 'booking.approved'],
  ['reject', 'requested', 'rejected', 'booking.rejected'],
  ['assign', 'approved', 'assigned', 'booking.assigned'],
  ['assign', 'assigned', 'assigned', 'booking.assigned'],
  ['confirm', 'assigned', 'confirmed', 'booking.confirmed'],
  ['start', 'confirmed', 'in_progress', 'booking.started'],
  ['complete', 'in_progress', 'completed', 'booking.completed'],
  ['cancel', 'requested', 'cancelled', 'booking.cancelled'],
  ['cancel', 'approved', 'cancelled', 'booking.cancelled'],
  ['cancel', 'assigned', 'cancelled', 'booking.cancelled'],
  ['cancel', 'confirmed', 'cancelled', 'booking.cancelled'],
  ['cancel', 'in_progress', 'cancelled', 'booking.cancelled'],
];

describe('booking state machine', () => {
  describe.each(ALLOWED)('%s from %s', (step, from, to, event) => {
    it(`is allowed and leads to ${to}, emitting ${event}`, () => {
      expect(canTake(step, from)).toBe(true);
      expect(BOOKING_TRANSITIONS[step].to).toBe(to);
      expect(BOOKING_TRANSITIONS[step].event).toBe(event);
    });
  });

  it('allows nothing but the transitions listed above', () => {
    const table = BOOKING_STEPS.flatMap((step) =>
      BOOKING_STATUSES.filter((status) => canTake(step, status)).map(
        (status) => `${step}:${status}`,
      ),
    );

    expect(table.sort()).toEqual(
      ALLOWED.map(([step, from]) => `${step}:${from}`).sort(),
    );
  });

  it.each<[BookingStatus, BookingStep[]]>([
    ['requested', ['approve', 'reject', 'cancel']],
    ['approved', ['assign', 'cancel']],
    ['assigned', ['assign', 'confirm', 'cancel']],
    ['confirmed', ['start', 'cancel']],
    ['in_progress', ['complete', 'cancel']],
    ['rejected', []],
    ['completed', []],
    ['cancelled', []],
  ])('from %s allows %j', (status, steps) => {
    expect(allowedSteps(status)).toEqual(steps);
    expect(isOpen(status)).toBe(steps.length > 0);
  });

  it.each<[BookingStep, BookingStatus]>([
    ['complete', 'requested'],
    ['approve', 'approved'],
    ['start', 'assigned'],
    ['confirm', 'approved'],
    ['assign', 'requested'],
    ['reject', 'approved'],
    ['cancel', 'completed'],
    ['cancel', 'cancelled'],
    ['approve', 'rejected'],
    ['start', 'in_progress'],
  ])('refuses %s from %s', (step, status) => {
    expect(canTake(step, status)).toBe(false);
  });

  describe('InvalidTransitionException', () => {
    it('is a 409 naming the current status and the steps allowed from it', () => {
      const error = new InvalidTransitionException('complete', 'requested');

      expect(error.getStatus()).toBe(409);
      expect(error.getResponse()).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: 'Cannot complete a booking that is requested',
        currentStatus: 'requested',
        allowedSteps: ['approve', 'reject', 'cancel'],
      });
    });

    it('lists no steps for a final status', () => {
      const error = new InvalidTransitionException('cancel', 'completed');

      expect(error.getResponse()).toMatchObject({
        message: 'Cannot cancel a booking that is completed',
        currentStatus: 'completed',
        allowedSteps: [],
      });
    });

    it('says the booking changed when the step is allowed but lost a race', () => {
      const error = new InvalidTransitionException('assign', 'assigned');

      expect(error.getResponse()).toMatchObject({
        message: expect.stringMatching(/changed while assign/),
        currentStatus: 'assigned',
      });
    });
  });
});
