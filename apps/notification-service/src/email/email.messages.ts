/** Texts of the e-mail feature's errors and logs, in one place. */
export const EMAIL_MESSAGES = {
  invalidJob: (reasons: string) =>
    `Invalid email-notifications job data: ${reasons}`,
  notAnObject: 'the job data must be an object',
  unknownTemplate: (template: string) =>
    `There is no e-mail template "${template}"`,
  missingVariables: (template: string, names: string[]) =>
    `The e-mail template "${template}" needs the variables: ${names.join(', ')}`,
  invalidVariable: (name: string) =>
    `The e-mail variable "${name}" must be a string, number or boolean`,
  sendFailed: (reason: string) => `Sending the e-mail failed: ${reason}`,
  delivered: (
    template: string,
    to: string,
    status: string,
    jobId: string | undefined,
    correlationId: string,
  ) =>
    `E-mail ${template} to ${to} ${status} (job ${jobId}, correlation ${correlationId})`,
  duplicate: (
    template: string,
    to: string,
    status: string,
    jobId: string | undefined,
  ) =>
    `E-mail ${template} to ${to} was already ${status}; nothing sent (job ${jobId})`,
} as const;
