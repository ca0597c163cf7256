import { Transform } from 'class-transformer';
import {
  IsEmail,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MAX_HOURLY_RATE } from '../../config/scheduler-environment.js';
import { ORGANIZATION_ID_PATTERN } from '../../organizations/organization-id.js';
import { IsShiftTime } from '../shift-time.js';
import { ORGANIZATION_ID_MESSAGE } from './create-shift.dto.js';
import { toNormalizedEmail } from './dto-transforms.js';

/** Body of `PATCH /shifts/:id`: any field of the shift, scheduled ones only. */
export class UpdateShiftDto {
  @IsOptional()
  @IsUUID()
  workerId?: string;

  @IsOptional()
  @Transform(toNormalizedEmail)
  @IsEmail({}, { message: 'clientEmail must be an e-mail address' })
  @MaxLength(254)
  clientEmail?: string;

  @IsOptional()
  @IsString()
  @Matches(ORGANIZATION_ID_PATTERN, { message: ORGANIZATION_ID_MESSAGE })
  organizationId?: string;

  @IsOptional()
  @IsShiftTime()
  startsAt?: string;

  @IsOptional()
  @IsShiftTime()
  endsAt?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_HOURLY_RATE)
  hourlyRate?: number;

  @IsOptional()
  @IsUUID()
  bookingId?: string;
}
