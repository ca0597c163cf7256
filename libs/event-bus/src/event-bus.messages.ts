export const EVENT_BUS_MESSAGES = {
  unknownType: (type: string) =>
    `Unknown event type "${type}": declare it in EVENT_CATALOGUE of @app/contracts`,
  invalidPayload: (type: string, reasons: string[]) =>
    `Invalid payload for ${type}: ${reasons.join('; ')}`,
  droppedMessage: (channel: string, reason: string) =>
    `Dropped a message on "${channel}": ${reason}`,
  conflictingTargets:
    'Choose localOnly or redisOnly, not both: each leaves the other delivery out',
  noRedisInLocalOnly:
    'The bus runs in local-only mode: there is no Redis to publish to',
};
