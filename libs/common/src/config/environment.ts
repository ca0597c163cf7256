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
  validateSync,
  type ValidationError,
} from 'class-validator';
import { SERVICE_ROLES, type ServiceRole } from '@app/contracts';

const REDIS_URL = {
  protocols: ['redis', 'rediss'],
  require_tld: false,
  require_protocol: true,
};

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
