import {
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  Min,
} from 'class-validator';

export const SHIFT_STATUSES = ['scheduled', 'completed', 'cancelled'] as const;
export type ShiftStatus = (typeof SHIFT_STATUSES)[number];

/**
 * `shift.created`, `shift.updated`, `shift.completed`, `shift.cancelled`: the
 * shift as it is after the change. `hourlyRate` is in minor units (cents).
 */
export class ShiftChanged {
  @IsUUID()
  shiftId: string;

  @IsUUID()
  workerId: string;

  @IsEmail()
  clientEmail: string;

  @IsString()
  @MaxLength(200)
  organizationId: string;

  @IsISO8601()
  startsAt: string;

  @IsISO8601()
  endsAt: string;

  @IsInt()
  @Min(0)
  hourlyRate: number;

  @IsOptional()
  @IsUUID()
  bookingId?: string;

  @IsIn(SHIFT_STATUSES)
  status: ShiftStatus;

  @IsISO8601()
  timestamp: string;
}
