import type { EmailTemplate } from '@app/contracts';
import { EMAIL_MESSAGES } from './email.messages.js';

/** A rendered e-mail: plain text, no HTML. */
export interface RenderedEmail {
  subject: string;
  body: string;
}

export type EmailVariables = Readonly<Record<string, string>>;

interface EmailTemplateDefinition {
  /** Variables the template cannot do without. */
  readonly variables: readonly string[];
  render(variables: EmailVariables): RenderedEmail;
}

/** Thrown when a job cannot be rendered; retrying would not help. */
export class EmailTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = EmailTemplateError.name;
  }
}

/** Header values are one line: a name with line breaks cannot add headers. */
const oneLine = (value: string): string => value.replace(/\s+/g, ' ').trim();

/** What a customer reads for each booking status. */
const BOOKING_STATUS_TEXT: Readonly<Record<string, string>> = {
  requested: 'has been requested',
  approved: 'has been approved',
  rejected: 'has been rejected',
  assigned: 'has a worker assigned',
  confirmed: 'is confirmed',
  in_progress: 'has started',
  completed: 'is completed',
  cancelled: 'has been cancelled',
};

/** Every e-mail template, by the contract's names. */
export const EMAIL_TEMPLATE_DEFINITIONS: {
  readonly [T in EmailTemplate]: EmailTemplateDefinition;
} = {
  'verify-email': {
    variables: ['name', 'token'],
    render: ({ name, token }) => ({
      subject: 'Verify your e-mail address',
      body: [
        `Hello ${name},`,
        '',
        'Thank you for registering. Please confirm that this e-mail address is yours.',
        '',
        'Your verification token:',
        '',
        `    ${token}`,
        '',
        'To verify your address, send it to the user service:',
        '',
        '    POST /users/verify',
        `    {"token": ${JSON.stringify(token)}}`,
        '',
        'The token works once. You can log in once your address is verified.',
        'If you did not register, ignore this e-mail.',
        '',
      ].join('\n'),
    }),
  },
  welcome: {
    variables: ['name'],
    render: ({ name }) => ({
      subject: `Welcome, ${oneLine(name)}`,
      body: [
        `Hello ${name},`,
        '',
        'Your e-mail address is verified and your account is ready.',
        'You can now log in (POST /auth/login) with your e-mail address and password.',
        '',
      ].join('\n'),
    }),
  },
  'booking-status': {
    variables: ['name', 'bookingId', 'status', 'startsAt', 'endsAt'],
    render: ({ name, bookingId, status, startsAt, endsAt, reason }) => {
      const change = BOOKING_STATUS_TEXT[status] ?? `is now ${status}`;
      return {
        subject: `Your booking ${change}`,
        body: [
          `Hello ${name},`,
          '',
          `Your booking ${bookingId} ${change}.`,
          '',
          `    From: ${startsAt}`,
          `    To:   ${endsAt}`,
          `    Status: ${status}`,
          ...(reason ? [`    Reason: ${reason}`] : []),
          '',
        ].join('\n'),
      };
    },
  },
  invoice: {
    // `amount` arrives formatted with its currency ("62.50 USD").
    variables: ['invoiceId', 'shiftId', 'amount'],
    render: ({ invoiceId, shiftId, amount }) => ({
      subject: `Invoice ${oneLine(invoiceId)}`,
      body: [
        'Hello,',
        '',
        `Invoice ${invoiceId} for shift ${shiftId} has been issued.`,
        '',
        `    Amount due: ${amount}`,
        '',
      ].join('\n'),
    }),
  },
};

/**
 * Renders `template` with `variables`. Throws `EmailTemplateError` when the
 * template is unknown, a required variable is missing
 * or empty, or a variable is not a string, number or boolean.
 */
export function renderEmail(
  template: string,
  variables: Readonly<Record<string, unknown>>,
): RenderedEmail {
  const definition = Object.hasOwn(EMAIL_TEMPLATE_DEFINITIONS, template)
    ? EMAIL_TEMPLATE_DEFINITIONS[template as EmailTemplate]
    : undefined;
  if (!definition) {
    throw new EmailTemplateError(EMAIL_MESSAGES.unknownTemplate(template));
  }
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    if (value === null || value === undefined) continue;
    if (
      typeof value !== 'string' &&
      typeof value !== 'number' &&
      typeof value !== 'boolean'
    ) {
      throw new EmailTemplateError(EMAIL_MESSAGES.invalidVariable(name));
    }
    values[name] = String(value);
  }
  const missing = definition.variables.filter((name) => !values[name]?.trim());
  if (missing.length > 0) {
    throw new EmailTemplateError(
      EMAIL_MESSAGES.missingVariables(template, missing),
    );
  }
  return definition.render(values);
}
