import { ServiceEnvironment, startService } from '@app/common';
import { connectEventBus } from '@app/event-bus';

await startService({
  name: 'scheduler-service',
  defaultPort: 3003,
  environment: ServiceEnvironment,
  loadModule: async () =>
    (await import('./scheduler-service.module.js')).SchedulerServiceModule,
  connect: connectEventBus,
});
