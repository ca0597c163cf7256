import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { DATABASE } from './database.constants.js';
import {
  openDatabase,
  type DatabaseConnection,
} from './database.connection.js';
import { DatabaseHealthIndicator } from './database.health.js';

const DATABASE_CONNECTION = Symbol('common:database-connection');

/** Injects the service's Drizzle database (see `Database`). */
export const InjectDatabase = () => Inject(DATABASE);

export interface DatabaseModuleOptions {
  service: string;
  migrationsFolder: string;
}

@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(DATABASE_CONNECTION)
    private readonly connection: DatabaseConnection,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}

/**
 * The service's own database: PostgreSQL when `DATABASE_URL` is set,
 * embedded PGlite under `DATA_DIR` (default `.data/<service>`) otherwise.
 * Migrations run before the app starts.
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [TerminusModule],
      providers: [
        {
          provide: DATABASE_CONNECTION,
          inject: [ConfigService],
          useFactory: async (config: ConfigService) => {
            const logger = new Logger(DatabaseModule.name);
            const connection = await openDatabase({
              service: options.service,
              migrationsFolder: options.migrationsFolder,
              databaseUrl: config.get<string>('DATABASE_URL'),
              dataDir: config.get<string>('DATA_DIR'),
            });
            logger.log(
              `Database ready (${connection.driver}), migrations applied`,
            );
            return connection;
          },
        },
        {
          provide: DATABASE,
          inject: [DATABASE_CONNECTION],
          useFactory: (connection: DatabaseConnection) => connection.db,
        },
        DatabaseLifecycle,
        DatabaseHealthIndicator,
      ],
      exports: [DATABASE, DatabaseHealthIndicator],
    };
  }
}
