export * from './event-catalogue.js';
export * from './events/booking.events.js';
export * from './events/invoice.events.js';
export * from './events/organization.events.js';
export * from './events/shift.events.js';
export * from './events/user.events.js';
export * from './jobs/queues.js';
export * from './event-permissions.js';
