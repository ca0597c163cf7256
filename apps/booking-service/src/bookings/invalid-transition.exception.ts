import { ConflictException, HttpStatus } from '@nestjs/common';
import type { BookingStatus } from '@app/contracts';
import {
  allowedSteps,
  canTake,
  type BookingStep,
} from './booking-state-machine.js';
import { BOOKINGS_MESSAGES } from './bookings.messages.js';

/** The 409 body of a refused step: what the booking is and what it allows. */
export interface InvalidTransitionBody {
  statusCode: HttpStatus.CONFLICT;
  error: 'Conflict';
  message: string;
  currentStatus: BookingStatus;
  allowedSteps: BookingStep[];
}

/**
 * 409 for a step the booking's status does not allow, or one that lost a race
 * to a concurrent step; the body names the current status and the steps
 * allowed from it.
 */
export class InvalidTransitionException extends ConflictException {
  constructor(step: BookingStep, currentStatus: BookingStatus) {
    const body: InvalidTransitionBody = {
      statusCode: HttpStatus.CONFLICT,
      error: 'Conflict',
      message: canTake(step, currentStatus)
        ? BOOKINGS_MESSAGES.concurrentChange(step, currentStatus)
        : BOOKINGS_MESSAGES.invalidTransition(step, currentStatus),
      currentStatus,
      allowedSteps: allowedSteps(currentStatus),
    };
    super(body);
  }
}
