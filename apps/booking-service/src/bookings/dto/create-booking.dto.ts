import { Transform } from 'class-transformer';
import {
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';
import { toTrimmed } from './dto-transforms.js';
import {
  HasNoNulCharacter,
  IsAfter,
  IsBookingTime,
} from './booking-validators.js';

/** Body of `POST /bookings`; limits as in the `BookingCreated` contract. */
export class CreateBookingDto {
  @IsUUID(undefined, { message: 'customerId must be a UUID' })
  customerId: string;

  @IsBookingTime()
  startsAt: string;

  @IsBookingTime()
  @IsAfter('startsAt')
  endsAt: string;

  @IsOptional()
  @Transform(toTrimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @HasNoNulCharacter()
  locationId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @HasNoNulCharacter()
  notes?: string;
}
