import { Counter, register } from 'prom-client';
import type { RejectionReason } from './trust.constants.js';

const NAME = 'eventbus_events_untrusted_total';

/**
 * Events refused by the trust checks, by type and reason (unsigned,
 * bad-signature, not-publisher, too-old, ...), one metric per process.
 */
export function untrustedEventsCounter(): Counter<'type' | 'reason'> {
  return (
    (register.getSingleMetric(NAME) as Counter<'type' | 'reason'>) ??
    new Counter({
      name: NAME,
      help: 'Events refused before any handler: unsigned, tampered, wrongly signed or sourced, too old, undecryptable',
      labelNames: ['type', 'reason'],
    })
  );
}

export type UntrustedCounts = Partial<Record<RejectionReason, number>>;
