import { accessSync, constants, statSync } from 'node:fs';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Min,
  MinLength,
  ValidateBy,
  validateSync,
  type ValidationError,
  type ValidationOptions,
} from 'class-validator';

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

  @IsString()
  @MinLength(16, { message: 'JWT_SECRET must be at least 16 characters long' })
  JWT_SECRET: string;

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
