import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { LoginAttemptsLimiter } from './login-attempts.limiter.js';

/**
 * `POST /auth/login`. Token signing comes from the global `AuthModule` of
 * @app/common (its `JwtService` holds `JWT_SECRET`), the failure counter
 * from the global cache Redis.
 */
@Module({
  imports: [UsersModule],
  controllers: [AuthController],
  providers: [AuthService, LoginAttemptsLimiter],
})
export class UserAuthModule {}
