/** `publish` of a type that the service's role does not publish. */
export class EventPublishForbiddenError extends Error {
  constructor(
    readonly type: string,
    readonly service: string,
    readonly role: string,
    readonly publisher: string,
  ) {
    super(
      `${service} (role ${role}) may not publish ${type}: only the ${publisher} role publishes it (EVENT_PERMISSIONS in libs/contracts)`,
    );
    this.name = EventPublishForbiddenError.name;
  }
}

/** A handler, at start-up, for a type that the service's role does not consume. */
export class EventConsumeForbiddenError extends Error {
  constructor(
    readonly types: string[],
    readonly service: string,
    readonly role: string,
  ) {
    super(
      `${service} (role ${role}) may not consume ${types.join(', ')}: remove the handler or add the role to the type's consumers in EVENT_PERMISSIONS (libs/contracts)`,
    );
    this.name = EventConsumeForbiddenError.name;
  }
}

/** The keys folder cannot be read or written. */
export class EventBusKeysError extends Error {
  constructor(dir: string, cause: unknown) {
    super(
      `Cannot use the event-bus keys folder ${dir} (EVENT_BUS_KEYS_DIR): ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
    this.name = EventBusKeysError.name;
  }
}

/** A sealed value that this service cannot open. */
export class SensitiveValueError extends Error {
  constructor(reason: string) {
    super(`Cannot decrypt a sensitive value: ${reason}`);
    this.name = SensitiveValueError.name;
  }
}
