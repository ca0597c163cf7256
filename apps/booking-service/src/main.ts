import { ServiceEnvironment, startService } from '@app/common';
import { connectEventBus } from '@app/event-bus';

await startService({
  name: 'booking-service',
  defaultPort: 3002,
  environment: ServiceEnvironment,
  loadModule: async () =>
    (await import('./booking-service.module.js')).BookingServiceModule,
  connect: connectEventBus,
});
