import { ServiceEnvironment } from '@app/common';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ORGANIZATION_ID_PATTERN } from '../organizations/organization-id.js';

/** Largest value of a PostgreSQL `integer` column (hourly rates). */
export const MAX_HOURLY_RATE = 2_147_483_647;

// docker-compose passes `${VAR:-}` as an empty string when the variable is
// not set; that means "use the default", not a malformed value.
const emptyAsUnset = ({ value }: { value: unknown }) =>
  value === '' ? undefined : value;

/**
 * Environment of scheduler-service: the shared variables plus the default
 * organization that confirmed bookings are scheduled for, and the hourly rate
 * (minor units) a new organization starts with.
 */
export class SchedulerEnvironment extends ServiceEnvironment {
  @IsOptional()
  @Transform(emptyAsUnset)
  @Matches(ORGANIZATION_ID_PATTERN, {
    message:
      'DEFAULT_ORGANIZATION_ID must be 1-100 letters, digits, ".", "_" or "-"',
  })
  DEFAULT_ORGANIZATION_ID?: string;

  @IsOptional()
  @Transform(emptyAsUnset)
  @Type(() => Number)
  @IsInt({ message: 'DEFAULT_HOURLY_RATE must be an integer (minor units)' })
  @Min(0, { message: 'DEFAULT_HOURLY_RATE must not be negative' })
  @Max(MAX_HOURLY_RATE, {
    message: `DEFAULT_HOURLY_RATE must be at most ${MAX_HOURLY_RATE}`,
  })
  DEFAULT_HOURLY_RATE?: number;
}
