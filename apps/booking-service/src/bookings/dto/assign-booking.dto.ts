import { IsUUID } from 'class-validator';

/** Body of `POST /bookings/:id/assign`: the worker's user id. */
export class AssignBookingDto {
  @IsUUID(undefined, { message: 'workerId must be a UUID' })
  workerId: string;
}
