import {
  checkDtoProperty,
  type DtoPropertyOptions,
  type DtoSource,
} from '../../../../../test/support/dto-properties.js';
import { ListInvoicesQuery } from '../../invoices/dto/list-invoices.query.js';
import { UpsertOrganizationDto } from '../../organizations/dto/upsert-organization.dto.js';
import { ListTimesheetsQuery } from '../../timesheets/dto/list-timesheets.query.js';
import { CreateShiftDto } from './create-shift.dto.js';
import { ListShiftsQuery } from './list-shifts.query.js';
import { UpdateShiftDto } from './update-shift.dto.js';

const shift = {
  workerId: '0b0c9d4e-6a8e-4f3a-9c1e-2d3b4a5f6e7d',
  clientEmail: 'client@example.com',
  organizationId: 'acme',
  startsAt: '2030-06-01T09:00:00Z',
  endsAt: '2030-06-01T17:00:00Z',
  hourlyRate: 2500,
  bookingId: '0b0c9d4e-6a8e-4f3a-9c1e-2d3b4a5f6e7d',
};
const organization = { name: 'Acme', currency: 'EUR', hourlyRate: 2500 };

describe('scheduler-service DTOs under arbitrary input', () => {
  it.each<[string, new () => object, DtoSource, DtoPropertyOptions]>([
    // The service stores `bookingId ?? null`: a null booking is no booking.
    [
      'CreateShiftDto',
      CreateShiftDto,
      'body',
      { nullMeansAbsent: true, valid: shift },
    ],
    // shiftChanges reads every null field as not given.
    [
      'UpdateShiftDto',
      UpdateShiftDto,
      'body',
      { nullMeansAbsent: true, valid: shift },
    ],
    // Nulls are the skipped test's below; the rest holds.
    [
      'UpsertOrganizationDto (nulls aside)',
      UpsertOrganizationDto,
      'body',
      { nullMeansAbsent: true, valid: organization },
    ],
    ['ListShiftsQuery', ListShiftsQuery, 'query', {}],
    ['ListInvoicesQuery', ListInvoicesQuery, 'query', {}],
    ['ListTimesheetsQuery', ListTimesheetsQuery, 'query', {}],
  ])(
    '%s: a 400 or an instance of the declared types, never a throw',
    async (_name, dto, source, options) => {
      await checkDtoProperty(dto, source, options);
    },
  );

  // Found by this property: @IsOptional() let {"name": null} (or currency,
  // hourlyRate) through into NOT NULL columns, a 500.
  it('UpsertOrganizationDto: accepts no null for its NOT NULL columns', async () => {
    await checkDtoProperty(UpsertOrganizationDto, 'body', {
      valid: organization,
    });
  });
});
