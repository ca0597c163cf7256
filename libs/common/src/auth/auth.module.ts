import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AccessTokenVerifier } from './access-token.verifier.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';

export const ACCESS_TOKEN_TTL_SECONDS = 3_600;

/**
 * JWT verification for every app (and signing for user-service): installs
 * `JwtAuthGuard` as a global guard, keyed by `JWT_SECRET`.
 */
@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        secret: config.getOrThrow<string>('JWT_SECRET'),
        signOptions: { expiresIn: ACCESS_TOKEN_TTL_SECONDS },
      }),
    }),
  ],
  providers: [
    AccessTokenVerifier,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
  ],
  exports: [JwtModule, AccessTokenVerifier],
})
export class AuthModule {}
