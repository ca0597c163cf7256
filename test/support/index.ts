export * from './app-process.js';
export * from './http.js';
export * from './redis-server.js';
export * from './wait-for.js';
export * from './postgres.js';
export * from './in-process-service.js';
export * from './events.js';
export * from './service-readiness.js';
