import { accessSync, constants, statSync } from 'node:fs';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsNotEmpty,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Min,
  MinLength,
  ValidateBy,
  registerDecorator,
  ValidateIf,
  validateSync,
  type ValidationError,
  type ValidationOptions,
} from 'class-validator';
import { SERVICE_ROLES, type ServiceRole } from '@app/contracts';
import { readAccessTokenKey } from '../auth/access-token.options.js';
import {
  IsProductionSecret,
  MIN_PRODUCTION_SECRET_BYTES,
} from './production-secrets.js';

/**
 * docker-compose passes `${NAME:-}` as an empty string when a variable is
 * not set; that means unset, not a malformed value.
 */
export const emptyAsUnset = ({ value }: { value: unknown }) =>
  value === '' ? undefined : value;

/** The variable names a PEM key file usable for access tokens. */
function IsAccessTokenKeyFile(kind: 'private' | 'public'): PropertyDecorator {
  let reason = '';
  return (target, propertyName) =>
    registerDecorator({
      name: 'isAccessTokenKeyFile',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => {
          try {
            readAccessTokenKey(propertyName as string, String(value), kind);
            return true;
          } catch (error) {
            reason = (error as Error).message;
            return false;
          }
        },
        defaultMessage: () => reason,
      },
    });
}

/** `a, b,,c` -> `['a', 'b', 'c']`; an empty list is unset. */
function toList(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}

const usesKeyFiles = (environment: ServiceEnvironment) =>
  Boolean(environment.JWT_PRIVATE_KEY_FILE || environment.JWT_PUBLIC_KEY_FILE);

const REDIS_URL = {
  protocols: ['redis', 'rediss'],
  require_tld: false,
  require_protocol: true,
};

/** A path to a file this process can read. */
export function IsReadableFile(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isReadableFile',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string' || value === '') return false;
          try {
            accessSync(value, constants.R_OK);
            return statSync(value).isFile();
          } catch {
            return false;
          }
        },
        defaultMessage: () => '$property must name a readable file',
      },
    },
    options,
  );
}

/**
 * Variables every service reads (ARCHITECTURE.md section 7). A service with
 * more variables extends this class and passes it to `validateEnvironment`.
 */
export class ServiceEnvironment {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV?: string;

  @IsOptional()
  @IsString()
  SERVICE_NAME?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsUrl(REDIS_URL, {
    message: 'EVENT_BUS_REDIS_URL must be a redis:// or rediss:// URL',
  })
  EVENT_BUS_REDIS_URL?: string;

  @IsOptional()
  @IsUrl(REDIS_URL, {
    message: 'CACHE_REDIS_URL must be a redis:// or rediss:// URL',
  })
  CACHE_REDIS_URL?: string;

  @IsOptional()
  @IsUrl(REDIS_URL, {
    message: 'REDIS_URL must be a redis:// or rediss:// URL',
  })
  REDIS_URL?: string;

  /** PEM CA bundle that `rediss://` servers are verified against. */
  @IsOptional()
  @IsReadableFile({
    message: 'REDIS_TLS_CA_FILE must name a readable PEM file',
  })
  REDIS_TLS_CA_FILE?: string;

  @IsOptional()
  @IsString()
  REDIS_HOST?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  REDIS_PORT?: number;

  @IsOptional()
  @IsString()
  REDIS_PASSWORD?: string;

  /**
   * HS256 secret of the access tokens, shared by every service; optional
   * (and no longer accepted for tokens) once the key files are set.
   */
  @Transform(emptyAsUnset)
  @ValidateIf(
    (env: ServiceEnvironment) =>
      !usesKeyFiles(env) || env.JWT_SECRET !== undefined,
  )
  @IsNotEmpty({
    message:
      'JWT_SECRET is required unless JWT_PRIVATE_KEY_FILE or JWT_PUBLIC_KEY_FILE is set',
  })
  @IsString()
  @MinLength(16, { message: 'JWT_SECRET must be at least 16 characters long' })
  @IsProductionSecret(MIN_PRODUCTION_SECRET_BYTES)
  JWT_SECRET?: string;

  /** PEM private key user-service signs access tokens with (RSA or EC). */
  @IsOptional()
  @Transform(emptyAsUnset)
  @IsAccessTokenKeyFile('private')
  JWT_PRIVATE_KEY_FILE?: string;

  /** PEM public key of user-service the other services verify tokens with. */
  @IsOptional()
  @Transform(emptyAsUnset)
  @IsAccessTokenKeyFile('public')
  JWT_PUBLIC_KEY_FILE?: string;

  /** `iss` of every access token (default `user-service`). */
  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  @IsNotEmpty()
  JWT_ISSUER?: string;

  /** `aud` of every access token (default `event-driven-nest`). */
  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  @IsNotEmpty()
  JWT_AUDIENCE?: string;

  /**
   * Browser origins allowed by CORS and on the WebSocket, comma-separated
   * (e.g. `https://app.example.com`); unset: same-origin pages only.
   */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => toList(value))
  @IsUrl(
    {
      require_tld: false,
      require_protocol: true,
      protocols: ['http', 'https'],
    },
    {
      each: true,
      message: 'CORS_ORIGINS must be a comma-separated list of http(s) origins',
    },
  )
  CORS_ORIGINS?: string[];

  /**
   * Which proxies may set `X-Forwarded-For` (Express `trust proxy`): a hop
   * count, or addresses/subnets/`loopback`, comma-separated. Unset: none, so
   * the client is the socket's address and the header cannot be forged.
   */
  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  TRUST_PROXY?: string;

  /** Requests per minute per client on each public route (default 60). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  // The login limit's 429 on the 6th failure must come first.
  @Min(10, { message: 'RATE_LIMIT_PUBLIC_PER_MINUTE must be at least 10' })
  RATE_LIMIT_PUBLIC_PER_MINUTE?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(60)
  EVENT_HISTORY_TTL_SECONDS?: number;

  /** How long events stay in their streams (floor: the history TTL). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(60)
  EVENT_STREAM_RETENTION_SECONDS?: number;

  /**
   * Hard ceiling of a stream's retention: what a consumer group has not
   * handled by then moves to its dead letters (never below the retention).
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(60)
  EVENT_STREAM_MAX_RETENTION_SECONDS?: number;

  /** Deliveries of an event before it goes to the dead letters. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  EVENT_BUS_MAX_DELIVERIES?: number;

  /** Idle time after which a crashed consumer's events are taken over. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  EVENT_BUS_CLAIM_IDLE_MS?: number;

  /** Dead letters kept per consumer group; past it the oldest are discarded. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  EVENT_BUS_DEAD_LETTER_MAX_PER_GROUP?: number;

  /** How long dead letters are kept, in seconds. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(60)
  EVENT_BUS_DEAD_LETTER_MAX_AGE_SECONDS?: number;
  /** How long failed events are redelivered after the fast retries (0: never). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  EVENT_BUS_RETRY_HORIZON_SECONDS?: number;

  /** A durable handler running longer fails its attempt and is aborted. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  EVENT_BUS_HANDLER_TIMEOUT_MS?: number;

  /** A timed-out handler still running after this makes the instance unhealthy. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  EVENT_BUS_HANDLER_STALL_MS?: number;
  /** How long a silent instance keeps its outbox rows before another takes them. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(3600)
  EVENT_BUS_OUTBOX_LEASE_SECONDS?: number;

  /** The service's role on the bus; default the one its app implies. */
  @IsOptional()
  @IsIn(SERVICE_ROLES)
  EVENT_BUS_ROLE?: ServiceRole;

  /** Signing and data keys of the bus; default `.data/keys` (cwd). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  EVENT_BUS_KEYS_DIR?: string;

  /** Older events are refused (replay protection); default 8 days. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(60)
  EVENT_BUS_MAX_EVENT_AGE_SECONDS?: number;

  @IsOptional()
  @IsUrl(
    {
      protocols: ['postgres', 'postgresql'],
      require_tld: false,
      require_protocol: true,
    },
    { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' },
  )
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  DATA_DIR?: string;

  /**
   * Seconds a service has after SIGTERM to finish what is in flight before it
   * exits anyway (what is unfinished stays unacknowledged, for redelivery).
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  SHUTDOWN_GRACE_SECONDS?: number;
}

/** Thrown when the environment does not validate; its message is one line. */
export class InvalidConfigurationError extends Error {
  constructor(errors: ValidationError[]) {
    const reasons = errors.flatMap((error) =>
      Object.values(error.constraints ?? {}),
    );
    super(`Invalid configuration: ${reasons.join('; ')}`);
    this.name = InvalidConfigurationError.name;
  }
}

/**
 * Builds the `validate` function of `ConfigModule.forRoot`: converts the
 * variables to the class's types and throws one clear line when any is
 * missing or malformed, so the app stops before it starts anything.
 */
export function validateEnvironment<T extends ServiceEnvironment>(
  environmentClass: new () => T,
) {
  return (config: Record<string, unknown>): T => {
    const environment = plainToInstance(environmentClass, config);
    const errors = validateSync(environment, { skipMissingProperties: false });
    if (errors.length > 0) {
      throw new InvalidConfigurationError(errors);
    }
    return environment;
  };
}
