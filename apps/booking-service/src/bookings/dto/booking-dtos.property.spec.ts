import {
  checkDtoProperty,
  type DtoPropertyOptions,
  type DtoSource,
} from '../../../../../test/support/dto-properties.js';
import { AssignBookingDto } from './assign-booking.dto.js';
import { CreateBookingDto } from './create-booking.dto.js';
import { ListBookingsQuery } from './list-bookings.query.js';
import { StepReasonDto } from './step-reason.dto.js';

describe('booking-service DTOs under arbitrary input', () => {
  it.each<[string, new () => object, DtoSource, DtoPropertyOptions]>([
    // BookingsService stores `locationId ?? null` and `notes ?? null`.
    [
      'CreateBookingDto',
      CreateBookingDto,
      'body',
      {
        nullMeansAbsent: true,
        valid: {
          customerId: '0b0c9d4e-6a8e-4f3a-9c1e-2d3b4a5f6e7d',
          startsAt: '2030-06-01T09:00:00Z',
          endsAt: '2030-06-01T17:00:00Z',
          locationId: 'hq',
          notes: 'n',
        },
      },
    ],
    [
      'AssignBookingDto',
      AssignBookingDto,
      'body',
      { valid: { workerId: '0b0c9d4e-6a8e-4f3a-9c1e-2d3b4a5f6e7d' } },
    ],
    // A null reason is stored as the nullable column's "no reason".
    [
      'StepReasonDto',
      StepReasonDto,
      'body',
      { nullMeansAbsent: true, valid: { reason: 'ill' } },
    ],
    ['ListBookingsQuery', ListBookingsQuery, 'query', {}],
  ])(
    '%s: a 400 or an instance of the declared types, never a throw',
    async (_name, dto, source, options) => {
      await checkDtoProperty(dto, source, options);
    },
  );
});
