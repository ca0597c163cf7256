import { startService } from '@app/common';
import { connectEventBus } from '@app/event-bus';
import { UserServiceEnvironment } from './config/user-service.environment.js';

await startService({
  name: 'user-service',
  defaultPort: 3001,
  environment: UserServiceEnvironment,
  loadModule: async () =>
    (await import('./user-service.module.js')).UserServiceModule,
  connect: connectEventBus,
});
