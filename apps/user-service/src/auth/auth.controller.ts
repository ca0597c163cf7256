import {
  Body,
  Controller,
  HttpCode,
  HttpStatus,
  Ip,
  Post,
} from '@nestjs/common';
import { Public, PublicRateLimit } from '@app/common';
import type { AccessTokenResponse } from './access-token.response.js';
import { AuthService } from './auth.service.js';
import { LoginDto } from './dto/login.dto.js';

/** `/auth`: login, public (limited per client). */
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /**
   * 200, not 201: a login creates nothing the client can address. The
   * client's address (see `TRUST_PROXY`) keys its failure count.
   */
  @Public()
  @PublicRateLimit()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  login(
    @Body() dto: LoginDto,
    @Ip() client: string,
  ): Promise<AccessTokenResponse> {
    return this.auth.login(dto, client);
  }
}
