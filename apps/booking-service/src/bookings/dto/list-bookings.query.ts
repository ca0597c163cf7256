import { BOOKING_STATUSES, type BookingStatus } from '@app/contracts';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { emptyAsUnset } from './dto-transforms.js';

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 500;

/** Query of `GET /bookings`; empty parameters count as not given. */
export class ListBookingsQuery {
  @IsOptional()
  @Transform(emptyAsUnset)
  @IsUUID(undefined, { message: 'customerId must be a UUID' })
  customerId?: string;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsUUID(undefined, { message: 'workerId must be a UUID' })
  workerId?: string;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsIn(BOOKING_STATUSES, {
    message: `status must be one of: ${BOOKING_STATUSES.join(', ')}`,
  })
  status?: BookingStatus;

  /** At most this many bookings, newest first (default 100, at most 500). */
  @IsOptional()
  @Transform(emptyAsUnset)
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_LIST_LIMIT)
  limit?: number;
}
