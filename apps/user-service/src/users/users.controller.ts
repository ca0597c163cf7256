import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
} from '@nestjs/common';
import {
  CurrentUser,
  Public,
  PublicRateLimit,
  type AuthenticatedUser,
} from '@app/common';
import { RegisterUserDto } from './dto/register-user.dto.js';
import { UpdateUserDto } from './dto/update-user.dto.js';
import { VerifyEmailDto } from './dto/verify-email.dto.js';
import type { UserResponse } from './user.response.js';
import { USERS_MESSAGES } from './users.messages.js';
import { UsersService } from './users.service.js';

/** A 400 that names the field, like the validation errors of the bodies. */
const userId = new ParseUUIDPipe({
  exceptionFactory: () => new BadRequestException(USERS_MESSAGES.invalidId),
});

/**
 * `/users`: registration and verification are public (limited per client),
 * the rest needs a token.
 */
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Public()
  @PublicRateLimit()
  @Post()
  register(@Body() dto: RegisterUserDto): Promise<UserResponse> {
    return this.users.register(dto);
  }

  @Public()
  @PublicRateLimit()
  @Post('verify')
  @HttpCode(HttpStatus.OK)
  verify(@Body() dto: VerifyEmailDto): Promise<UserResponse> {
    return this.users.verify(dto.token);
  }

  @Get(':id')
  findOne(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', userId) id: string,
  ): Promise<UserResponse> {
    return this.users.findOne(caller, id);
  }

  @Patch(':id')
  update(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', userId) id: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserResponse> {
    return this.users.update(caller, id, dto);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', userId) id: string,
  ): Promise<void> {
    return this.users.remove(caller, id);
  }
}
