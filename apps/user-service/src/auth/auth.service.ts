import { setTimeout as sleep } from 'node:timers/promises';
import {
  ForbiddenException,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AccessTokenClaims } from '@app/common';
import { normalizeEmail } from '../users/email.js';
import { PasswordHasher } from '../users/password-hasher.js';
import { UserEventsPublisher } from '../users/user-events.publisher.js';
import { UsersRepository } from '../users/users.repository.js';
import type { AccessTokenResponse } from './access-token.response.js';
import { AUTH_MESSAGES } from './auth.messages.js';
import type { LoginDto } from './dto/login.dto.js';
import { LoginAttemptsLimiter } from './login-attempts.limiter.js';

/**
 * Login: checks the password, refuses unverified accounts and issues the
 * access token every service accepts, under the limit of failed attempts
 * per e-mail and client (`LoginAttemptsLimiter`).
 */
@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
    private readonly limiter: LoginAttemptsLimiter,
    private readonly jwt: JwtService,
    private readonly events: UserEventsPublisher,
  ) {}

  /**
   * 200 with a token; 401 for a wrong e-mail or password (counted); 403 for
   * an unverified account, said only once the password is right; 429 once 5
   * failures of this client are counted; 503 when the counter cannot be
   * reached. Failures of other clients on the e-mail only slow it down.
   */
  async login(dto: LoginDto, client: string): Promise<AccessTokenResponse> {
    const email = normalizeEmail(dto.email);
    const delayMs = await this.limiter.reserve(email, client);
    if (delayMs > 0) await sleep(delayMs);
    // From here the attempt counts as a failure unless settled otherwise.
    let settled = false;
    try {
      const user = await this.users.findByEmail(email);
      const passwordIsRight = await this.passwords.verify(
        dto.password,
        user?.passwordHash,
      );
      if (!user || !passwordIsRight) {
        settled = true;
        this.logger.warn('Failed login attempt');
        throw new UnauthorizedException(AUTH_MESSAGES.wrongCredentials);
      }
      if (user.verifiedAt === null) {
        settled = true;
        await this.releaseQuietly(email, client);
        throw new ForbiddenException(AUTH_MESSAGES.notVerified);
      }
      settled = true;
      await this.resetQuietly(email, client);

      const claims: AccessTokenClaims = {
        sub: user.id,
        role: user.role,
        email: user.email,
      };
      const accessToken = await this.jwt.signAsync(claims);
      this.logger.log(`User ${user.id} logged in`);
      await this.events.login(user);
      return { accessToken };
    } catch (error) {
      // An unexpected error (database down, ...) says nothing about the
      // password, so it must not count against the e-mail.
      if (!settled) await this.releaseQuietly(email, client);
      throw error;
    }
  }

  // Settling happens after the answer is known; a cache Redis that fails at
  // this point must not turn a correct answer into a 503.
  private async releaseQuietly(email: string, client: string): Promise<void> {
    await this.limiter.release(email, client).catch(() => undefined);
  }

  private async resetQuietly(email: string, client: string): Promise<void> {
    await this.limiter.reset(email, client).catch(() => undefined);
  }
}
