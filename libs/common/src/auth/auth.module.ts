import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { accessTokenJwtOptions } from './access-token.options.js';
import { AccessTokenVerifier } from './access-token.verifier.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';

export { ACCESS_TOKEN_TTL_SECONDS } from './access-token.options.js';

/**
 * JWT verification for every app (and signing for user-service): installs
 * `JwtAuthGuard` as a global guard, keyed by the key files or `JWT_SECRET`
 * (see `accessTokenJwtOptions`).
 */
@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: accessTokenJwtOptions,
    }),
  ],
  providers: [
    AccessTokenVerifier,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
  ],
  exports: [JwtModule, AccessTokenVerifier],
})
export class AuthModule {}
