import { startService } from '@app/common';
import { connectEventBus } from '@app/event-bus';
import { SchedulerEnvironment } from './config/scheduler-environment.js';

await startService({
  name: 'scheduler-service',
  defaultPort: 3003,
  environment: SchedulerEnvironment,
  loadModule: async () =>
    (await import('./scheduler-service.module.js')).SchedulerServiceModule,
  connect: connectEventBus,
});
