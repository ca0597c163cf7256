import {
  applyDecorators,
  HttpException,
  HttpStatus,
  Injectable,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { InjectCacheRedis } from '../redis/cache-redis.module.js';

/** Requests per minute and client on each public route, unless configured. */
export const DEFAULT_PUBLIC_RATE_LIMIT_PER_MINUTE = 60;
export const PUBLIC_RATE_LIMIT_KEY_PREFIX = 'rate-limit:public';

/**
 * Per-client limit of the public routes (registration, verification,
 * login): `RATE_LIMIT_PUBLIC_PER_MINUTE` requests per minute per client IP
 * and route, counted in the cache Redis so every instance shares it. The
 * client is the socket's address unless `TRUST_PROXY` names the proxies
 * allowed to say otherwise. While the cache Redis is unreachable each
 * instance counts in memory instead of letting floods through. Past the
 * limit: 429 with `Retry-After`.
 */
@Injectable()
export class PublicRateLimitGuard implements CanActivate {
  private readonly limiter: RateLimiterRedis;

  constructor(@InjectCacheRedis() redis: Redis, config: ConfigService) {
    const points =
      config.get<number>('RATE_LIMIT_PUBLIC_PER_MINUTE') ??
      DEFAULT_PUBLIC_RATE_LIMIT_PER_MINUTE;
    const options = {
      keyPrefix: PUBLIC_RATE_LIMIT_KEY_PREFIX,
      points,
      duration: 60,
    };
    this.limiter = new RateLimiterRedis({
      ...options,
      storeClient: redis,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    // The route's pattern, not the URL: one budget per route, whatever ids.
    const { path } = (request.route ?? request) as { path: string };
    const route = `${request.method} ${path}`;
    try {
      await this.limiter.consume(`${route}:${request.ip ?? 'unknown'}`);
      return true;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      http.getResponse<Response>().setHeader('Retry-After', String(seconds));
      throw new HttpException(
        {
          message: `Too many requests from this client; try again in ${seconds} seconds`,
          error: 'Too Many Requests',
          statusCode: HttpStatus.TOO_MANY_REQUESTS,
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
  }
}

/** The route is public and limited per client (see `PublicRateLimitGuard`). */
export const PublicRateLimit = () =>
  applyDecorators(UseGuards(PublicRateLimitGuard));
