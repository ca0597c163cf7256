import { Transform } from 'class-transformer';
import {
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MAX_HOURLY_RATE } from '../../config/scheduler-environment.js';
import { CURRENCY_PATTERN } from '../organization-id.js';
import { ORGANIZATIONS_MESSAGES } from '../organizations.messages.js';

const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

/** Body of `PUT /organizations/:id`: creates or updates the settings. */
export class UpsertOrganizationDto {
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @IsString({ message: ORGANIZATIONS_MESSAGES.invalidCurrency })
  @Matches(CURRENCY_PATTERN, {
    message: ORGANIZATIONS_MESSAGES.invalidCurrency,
  })
  currency?: string;

  /** Minor units (cents) per hour. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_HOURLY_RATE)
  hourlyRate?: number;
}
