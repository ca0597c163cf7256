import {
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';

export const BOOKING_STATUSES = [
  'requested',
  'approved',
  'rejected',
  'assigned',
  'confirmed',
  'in_progress',
  'completed',
  'cancelled',
] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

/** `booking.created`: a customer requested a booking. */
export class BookingCreated {
  @IsUUID()
  bookingId: string;

  @IsUUID()
  customerId: string;

  @IsISO8601()
  startsAt: string;

  @IsISO8601()
  endsAt: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  locationId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;

  @IsIn(BOOKING_STATUSES)
  status: BookingStatus;

  @IsISO8601()
  timestamp: string;
}

/**
 * Every lifecycle step after creation (`booking.approved`, `booking.rejected`,
 * `booking.assigned`, `booking.confirmed`, `booking.started`,
 * `booking.completed`, `booking.cancelled`) carries the booking as it is now
 * and the status it left.
 */
export class BookingStatusChanged {
  @IsUUID()
  bookingId: string;

  @IsUUID()
  customerId: string;

  @IsOptional()
  @IsUUID()
  workerId?: string;

  @IsISO8601()
  startsAt: string;

  @IsISO8601()
  endsAt: string;

  @IsIn(BOOKING_STATUSES)
  status: BookingStatus;

  @IsIn(BOOKING_STATUSES)
  previousStatus: BookingStatus;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;

  @IsISO8601()
  timestamp: string;
}
