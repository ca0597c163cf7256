import { Transform } from 'class-transformer';
import {
  IsInt,
  IsNotEmpty,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { MAX_HOURLY_RATE } from '../../config/scheduler-environment.js';
import { CURRENCY_PATTERN } from '../organization-id.js';
import { ORGANIZATIONS_MESSAGES } from '../organizations.messages.js';

/** Left out, it is not changed; given, even as null, it must be valid: the columns are NOT NULL. */
const IsOmittable = () =>
  ValidateIf((_dto: object, value: unknown) => value !== undefined);

const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

/** Body of `PUT /organizations/:id`: creates or updates the settings. */
export class UpsertOrganizationDto {
  @IsOmittable()
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @IsOmittable()
  @IsString({ message: ORGANIZATIONS_MESSAGES.invalidCurrency })
  @Matches(CURRENCY_PATTERN, {
    message: ORGANIZATIONS_MESSAGES.invalidCurrency,
  })
  currency?: string;

  /** Minor units (cents) per hour. */
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(MAX_HOURLY_RATE)
  hourlyRate?: number;
}
