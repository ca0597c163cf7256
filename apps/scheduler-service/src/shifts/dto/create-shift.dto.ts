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
import { toNormalizedEmail } from './dto-transforms.js';

export const ORGANIZATION_ID_MESSAGE =
  'organizationId must be 1-100 letters, digits, ".", "_" or "-"';

/** Body of `POST /shifts`; `endsAt` after `startsAt` is checked by the service. */
export class CreateShiftDto {
  @IsUUID()
  workerId: string;

  @Transform(toNormalizedEmail)
  @IsEmail({}, { message: 'clientEmail must be an e-mail address' })
  @MaxLength(254)
  clientEmail: string;

  @IsString()
  @Matches(ORGANIZATION_ID_PATTERN, { message: ORGANIZATION_ID_MESSAGE })
  organizationId: string;

  @IsShiftTime()
  startsAt: string;

  @IsShiftTime()
  endsAt: string;

  /** Minor units (cents) per hour. */
  @IsInt()
  @Min(0)
  @Max(MAX_HOURLY_RATE)
  hourlyRate: number;

  @IsOptional()
  @IsUUID()
  bookingId?: string;
}
