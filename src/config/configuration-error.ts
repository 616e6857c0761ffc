/**
 * A setting that cannot work: the service refuses to start and says why in one message, without a stack trace (the
 * stack would point into our code, while the fix is in the environment).
 */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/** What to print when the service could not start: the reason for a configuration error, everything otherwise. */
export function describeStartupFailure(error: unknown): string {
  if (error instanceof ConfigurationError) {
    return error.message;
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
