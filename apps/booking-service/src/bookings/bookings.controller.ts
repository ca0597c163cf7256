import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { CurrentUser, Roles, type AuthenticatedUser } from '@app/common';
import type { BookingResponse } from './booking.response.js';
import { BOOKINGS_MESSAGES } from './bookings.messages.js';
import { BookingsService } from './bookings.service.js';
import { AssignBookingDto } from './dto/assign-booking.dto.js';
import { CreateBookingDto } from './dto/create-booking.dto.js';
import { ListBookingsQuery } from './dto/list-bookings.query.js';
import { StepReasonDto } from './dto/step-reason.dto.js';

/** A 400 that names the field, like the validation errors of the bodies. */
const bookingId = new ParseUUIDPipe({
  exceptionFactory: () => new BadRequestException(BOOKINGS_MESSAGES.invalidId),
});

/**
 * `/bookings`: every route needs a token. Who may take which step is decided
 * by `BookingAccess` from the transition table; every step answers 200 with
 * the booking.
 */
@Controller('bookings')
export class BookingsController {
  constructor(private readonly bookings: BookingsService) {}

  @Post()
  @Roles('customer', 'admin')
  create(
    @CurrentUser() caller: AuthenticatedUser,
    @Body() dto: CreateBookingDto,
  ): Promise<BookingResponse> {
    return this.bookings.create(caller, dto);
  }

  @Get()
  list(
    @CurrentUser() caller: AuthenticatedUser,
    @Query() query: ListBookingsQuery,
  ): Promise<{ items: BookingResponse[] }> {
    return this.bookings.list(caller, query);
  }

  @Get(':id')
  findOne(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', bookingId) id: string,
  ): Promise<BookingResponse> {
    return this.bookings.findOne(caller, id);
  }

  @Post(':id/approve')
  @HttpCode(HttpStatus.OK)
  approve(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', bookingId) id: string,
  ): Promise<BookingResponse> {
    return this.bookings.takeStep(caller, id, 'approve');
  }

  @Post(':id/reject')
  @HttpCode(HttpStatus.OK)
  reject(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', bookingId) id: string,
    @Body() dto: StepReasonDto,
  ): Promise<BookingResponse> {
    return this.bookings.takeStep(caller, id, 'reject', { reason: dto.reason });
  }

  @Post(':id/assign')
  @HttpCode(HttpStatus.OK)
  assign(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', bookingId) id: string,
    @Body() dto: AssignBookingDto,
  ): Promise<BookingResponse> {
    return this.bookings.takeStep(caller, id, 'assign', {
      workerId: dto.workerId,
    });
  }

  @Post(':id/confirm')
  @HttpCode(HttpStatus.OK)
  confirm(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', bookingId) id: string,
  ): Promise<BookingResponse> {
    return this.bookings.takeStep(caller, id, 'confirm');
  }

  @Post(':id/start')
  @HttpCode(HttpStatus.OK)
  start(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', bookingId) id: string,
  ): Promise<BookingResponse> {
    return this.bookings.takeStep(caller, id, 'start');
  }

  @Post(':id/complete')
  @HttpCode(HttpStatus.OK)
  complete(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', bookingId) id: string,
  ): Promise<BookingResponse> {
    return this.bookings.takeStep(caller, id, 'complete');
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  cancel(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', bookingId) id: string,
    @Body() dto: StepReasonDto,
  ): Promise<BookingResponse> {
    return this.bookings.takeStep(caller, id, 'cancel', { reason: dto.reason });
  }
}
