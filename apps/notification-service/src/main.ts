import { startService } from '@app/common';
import { connectEventBus } from '@app/event-bus';
import { NotificationEnvironment } from './config/notification-environment.js';
import { useLiveEventsAdapter } from './live/live.module.js';

await startService({
  name: 'notification-service',
  defaultPort: 3004,
  environment: NotificationEnvironment,
  loadModule: async () =>
    (await import('./notification-service.module.js'))
      .NotificationServiceModule,
  connect: (app) => {
    connectEventBus(app);
    useLiveEventsAdapter(app);
  },
});
