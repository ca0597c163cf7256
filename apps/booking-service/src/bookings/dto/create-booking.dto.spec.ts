import { randomUUID } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateBookingDto } from './create-booking.dto.js';
import { ListBookingsQuery } from './list-bookings.query.js';
import { StepReasonDto } from './step-reason.dto.js';

/** The messages the ValidationPipe would answer with, one per failing rule. */
function messages<T extends object>(type: new () => T, body: object) {
  return validateSync(plainToInstance(type, body)).flatMap((e) =>
    Object.values(e.constraints ?? {}),
  );
}

const valid = {
  customerId: randomUUID(),
  startsAt: '2030-06-01T09:00:00Z',
  endsAt: '2030-06-01T17:00:00Z',
};

describe('CreateBookingDto', () => {
  it('accepts a valid booking', () => {
    expect(messages(CreateBookingDto, valid)).toEqual([]);
  });

  it('names both fields when endsAt is not after startsAt', () => {
    expect(
      messages(CreateBookingDto, { ...valid, endsAt: valid.startsAt }),
    ).toEqual(['endsAt must be after startsAt']);
  });

  it.each([
    ['not a date', 'tomorrow'],
    ['an impossible date', '2030-02-30T10:00:00Z'],
    ['year 0', '0000-01-01T00:00:00Z'],
    ['a number', 1_900_000_000_000],
  ])('refuses %s as a time', (_label, startsAt) => {
    expect(messages(CreateBookingDto, { ...valid, startsAt })).toEqual([
      expect.stringMatching(/^startsAt must be an ISO 8601 date-time/),
    ]);
  });

  it('refuses NUL characters that PostgreSQL cannot store', () => {
    expect(messages(CreateBookingDto, { ...valid, notes: 'a\u0000b' })).toEqual(
      ['notes must not contain NUL characters'],
    );
  });

  it('refuses a customerId that is not a UUID', () => {
    expect(messages(CreateBookingDto, { ...valid, customerId: 'me' })).toEqual([
      'customerId must be a UUID',
    ]);
  });
});

describe('StepReasonDto', () => {
  it('accepts no reason at all, and trims one', () => {
    expect(messages(StepReasonDto, {})).toEqual([]);
    expect(plainToInstance(StepReasonDto, { reason: ' ill ' }).reason).toBe(
      'ill',
    );
  });

  it('refuses an empty reason', () => {
    expect(messages(StepReasonDto, { reason: '  ' })).toHaveLength(1);
  });
});

describe('ListBookingsQuery', () => {
  it('treats empty parameters as not given', () => {
    const query = plainToInstance(ListBookingsQuery, {
      customerId: '',
      status: '',
      limit: '',
    });

    expect(query).toMatchObject({
      customerId: undefined,
      status: undefined,
      limit: undefined,
    });
    expect(messages(ListBookingsQuery, query)).toEqual([]);
  });

  it('refuses an unknown status, naming the known ones', () => {
    expect(messages(ListBookingsQuery, { status: 'done' })).toEqual([
      expect.stringContaining('status must be one of: requested, approved'),
    ]);
  });
});
