import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { Public } from '@app/common';
import type { AccessTokenResponse } from './access-token.response.js';
import { AuthService } from './auth.service.js';
import { LoginDto } from './dto/login.dto.js';

/** `/auth`: login, public. */
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** 200, not 201: a login creates nothing the client can address. */
  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  login(@Body() dto: LoginDto): Promise<AccessTokenResponse> {
    return this.auth.login(dto);
  }
}
